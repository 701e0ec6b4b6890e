// palisade-guest: the small static program Palisade runs inside a sandbox whose root is an image.
//
//   palisade-guest bridge PORT SOCKET -- COMMAND...   (oci and gvisor drivers, image sandboxes)
//     listens on 127.0.0.1:PORT, forwards every connection to the unix socket SOCKET (the host's
//     per-sandbox egress proxy), and execs COMMAND; the forwarder is non-dumpable (out of the
//     command's reach through ptrace or /proc/<pid>/mem) and dies with the command.
//
//   palisade-guest sandbox-init SOCKET -- COMMAND...  (bwrap driver: pid 1 of the sandbox)
//     the sandbox's init where the host's /usr is shown (rootfs.ts INIT does the same in perl where
//     this helper cannot be built): non-dumpable first, then, when SOCKET is not empty, the proxy
//     bridge on 127.0.0.1:3128 in a child of its own (listening before the command starts), then the
//     command (PATH searched: 127 when not found, 126 when not executable) in a child; it reaps every
//     orphan and exits with the command's status (128+n for signal n).
//
//   palisade-guest init                               (microvm driver: pid 1 of the guest)
//     loads the guest's virtio modules, reads the sandbox's spec from the host over the virtio-serial
//     port "palisade", mounts the image (read-only block device) and the workspace (9p), runs the
//     command in new pid/mount/ipc/uts namespaces as the agent's uid under the host's seccomp filter
//     and a guest cgroup with the sandbox's limits, and multiplexes its stdout, stderr, exit status
//     and the proxy connections (127.0.0.1:PORT inside) over that one port. The VM has no network
//     device: that port is the guest's only way out. Frames are described in microvm-channel.ts.
//
// Built static (gcc -static) so it runs in any image; needs nothing from the image it runs in.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

// ---------------------------------------------------------------------------------------------
// bridge mode

#define BRIDGE_MAX 256
#define BUF 65536

struct half { char buf[BUF]; size_t len; int eof; };
struct pair { int a, b; struct half ab, ba; };

static void nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static int listen_loopback(int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 128) < 0) { close(s); return -1; }
  return s;
}

static int connect_unix(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) { close(s); return -1; }
  strcpy(a.sun_path, path);
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) { close(s); return -1; }
  return s;
}

/** Moves bytes from `from` into h, and from h to `to`; returns -1 once both sides are done. */
static void pump(int from, int to, struct half *h, short rev_from, short rev_to) {
  if ((rev_from & (POLLIN | POLLHUP | POLLERR)) && !h->eof && h->len < BUF) {
    ssize_t n = read(from, h->buf + h->len, BUF - h->len);
    if (n > 0) h->len += n;
    else if (n == 0 || (errno != EAGAIN && errno != EINTR)) h->eof = 1;
  }
  if ((rev_to & POLLOUT) && h->len > 0) {
    ssize_t n = write(to, h->buf, h->len);
    if (n > 0) { memmove(h->buf, h->buf + n, h->len - n); h->len -= n; }
    else if (n < 0 && errno != EAGAIN && errno != EINTR) { h->eof = 1; h->len = 0; }
  }
  if (h->eof && h->len == 0) shutdown(to, SHUT_WR);
}

static void bridge_loop(int lsn, const char *socket_path, pid_t parent) {
  struct pair *pairs[BRIDGE_MAX] = {0};
  struct pollfd pfd[1 + 2 * BRIDGE_MAX];
  nonblock(lsn);
  for (;;) {
    int n = 0;
    pfd[n++] = (struct pollfd){.fd = lsn, .events = POLLIN};
    for (int i = 0; i < BRIDGE_MAX; i++) {
      struct pair *p = pairs[i];
      if (!p) continue;
      pfd[n++] = (struct pollfd){.fd = p->a, .events = (p->ab.eof || p->ab.len == BUF ? 0 : POLLIN) | (p->ba.len ? POLLOUT : 0)};
      pfd[n++] = (struct pollfd){.fd = p->b, .events = (p->ba.eof || p->ba.len == BUF ? 0 : POLLIN) | (p->ab.len ? POLLOUT : 0)};
    }
    if (poll(pfd, n, -1) < 0) { if (errno == EINTR) continue; _exit(1); }
    if (getppid() != parent) _exit(0);
    int k = 1;
    for (int i = 0; i < BRIDGE_MAX; i++) {
      struct pair *p = pairs[i];
      if (!p) continue;
      short ra = pfd[k].revents, rb = pfd[k + 1].revents;
      k += 2;
      pump(p->a, p->b, &p->ab, ra, rb);
      pump(p->b, p->a, &p->ba, rb, ra);
      if ((p->ab.eof && p->ab.len == 0 && p->ba.eof && p->ba.len == 0) || ((ra | rb) & POLLNVAL)) {
        close(p->a); close(p->b); free(p); pairs[i] = NULL;
      }
    }
    if (pfd[0].revents & POLLIN) {
      int c = accept4(lsn, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (c < 0) continue;
      int slot = -1;
      for (int i = 0; i < BRIDGE_MAX; i++) if (!pairs[i]) { slot = i; break; }
      int u = slot < 0 ? -1 : connect_unix(socket_path);
      if (u < 0) { close(c); continue; }
      nonblock(u);
      struct pair *p = calloc(1, sizeof *p);
      if (!p) { close(c); close(u); continue; }
      p->a = c; p->b = u;
      pairs[slot] = p;
    }
  }
}

static int bridge_main(int argc, char **argv) {
  // palisade-guest bridge PORT SOCKET -- COMMAND...
  if (argc < 6 || strcmp(argv[4], "--") != 0) { fprintf(stderr, "palisade-guest: usage: bridge PORT SOCKET -- COMMAND...\n"); return 125; }
  int lsn = listen_loopback(atoi(argv[2]));
  if (lsn < 0) { fprintf(stderr, "palisade: proxy bridge did not start: %s\n", strerror(errno)); return 125; }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) { perror("palisade: fork"); return 125; }
  if (pid == 0) {
    // Non-dumpable: the command (same uid) can neither ptrace nor open /proc/<pid>/mem of the bridge.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) _exit(125);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    for (int fd = 0; fd < 3; fd++) { int z = open("/dev/null", O_RDWR); if (z >= 0 && z != fd) { dup2(z, fd); close(z); } }
    bridge_loop(lsn, argv[3], parent);
    _exit(0);
  }
  close(lsn);
  execvp(argv[5], argv + 5);
  fprintf(stderr, "palisade: %s: %s\n", argv[5], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}

static int sandbox_init_main(int argc, char **argv) {
  // palisade-guest sandbox-init SOCKET -- COMMAND...
  if (argc < 5 || strcmp(argv[3], "--") != 0) { fprintf(stderr, "palisade-guest: usage: sandbox-init SOCKET -- COMMAND...\n"); return 125; }
  // Before anything else: the command runs as the same uid and must not read or write this process.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) { perror("palisade: sandbox init: prctl"); return 125; }
  prctl(PR_SET_NAME, "palisade-init");
  const char *socket_path = argv[2];
  if (socket_path[0]) {
    int lsn = listen_loopback(3128);
    if (lsn < 0) { fprintf(stderr, "palisade: sandbox init: proxy bridge: %s\n", strerror(errno)); return 125; }
    pid_t parent = getpid();
    pid_t b = fork();
    if (b < 0) { perror("palisade: sandbox init: fork"); return 125; }
    if (b == 0) {
      prctl(PR_SET_NAME, "palisade-bridge");
      // A stopping command may still reach the proxy until the SIGKILL.
      signal(SIGTERM, SIG_IGN);
      for (int fd = 0; fd < 3; fd++) { int z = open("/dev/null", O_RDWR); if (z >= 0 && z != fd) { dup2(z, fd); close(z); } }
      bridge_loop(lsn, socket_path, parent);
      _exit(0);
    }
    close(lsn);
  }
  pid_t pid = fork();
  if (pid < 0) { perror("palisade: sandbox init: fork"); return 125; }
  if (pid == 0) {
    execvp(argv[4], argv + 4);
    int err = errno;
    fprintf(stderr, "palisade: cannot run %s: %s\n", argv[4], strerror(err));
    _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
  }
  for (;;) {
    int status;
    pid_t p = wait(&status);
    if (p < 0) { if (errno == EINTR) continue; return 125; }
    if (p == pid) return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
}

// ---------------------------------------------------------------------------------------------
// init mode: frames over the virtio-serial port

enum {
  F_READY = 1, F_CONFIG = 2, F_CA = 3, F_SECCOMP = 4, F_GO = 5, F_STARTED = 6, F_OUT = 7, F_OPEN = 8,
  F_DATA = 9, F_CLOSE = 10, F_CREDIT = 11, F_SIGNAL = 12, F_EXIT = 13, F_ERROR = 14,
};
#define HDR 9
#define MAX_PAYLOAD (256 * 1024)
#define WINDOW (256 * 1024)
#define CH_STDOUT 1
#define CH_STDERR 2
#define MAX_CONNS 256

static int port_fd = -1;

static void put32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) { struct pollfd w = {.fd = fd, .events = POLLOUT}; poll(&w, 1, 1000); continue; }
      return;
    }
    p += n; len -= n;
  }
}

static void send_frame(int type, uint32_t ch, const void *payload, uint32_t len) {
  unsigned char h[HDR];
  h[0] = type; put32(h + 1, ch); put32(h + 5, len);
  write_all(port_fd, h, HDR);
  if (len) write_all(port_fd, payload, len);
}

static void power_off(void) {
  sync();
  reboot(RB_POWER_OFF);
  _exit(1);
}

static void fail(const char *what) {
  char msg[512];
  int n = snprintf(msg, sizeof msg, "%s%s%s", what, errno ? ": " : "", errno ? strerror(errno) : "");
  if (port_fd >= 0) send_frame(F_ERROR, 0, msg, n > 0 ? (uint32_t)n : 0);
  else fprintf(stderr, "palisade-guest: %s\n", msg);
  power_off();
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(path);
  if (write(fd, text, strlen(text)) < 0) fail(path);
  close(fd);
}

static void create_file(const char *path, const void *data, size_t len, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) fail(path);
  write_all(fd, data, len);
  fchmod(fd, mode);
  close(fd);
}

static void load_modules(void) {
  FILE *order = fopen("/lib/modules/order", "re");
  if (!order) return;
  char name[256], path[300];
  while (fgets(name, sizeof name, order)) {
    name[strcspn(name, "\n")] = 0;
    if (!name[0]) continue;
    snprintf(path, sizeof path, "/lib/modules/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path);
    if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) fail(path);
    close(fd);
  }
  fclose(order);
}

/** Waits (up to 10 s) for a device node to appear; devtmpfs creates them as drivers bind. */
static void wait_for(const char *path) {
  for (int i = 0; i < 1000; i++) {
    if (access(path, F_OK) == 0) return;
    usleep(10000);
  }
  errno = ENOENT;
  fail(path);
}

static int open_port(void) {
  for (int tries = 0; tries < 1000; tries++) {
    DIR *d = opendir("/sys/class/virtio-ports");
    if (d) {
      struct dirent *e;
      while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[300], name[64] = {0};
        snprintf(p, sizeof p, "/sys/class/virtio-ports/%s/name", e->d_name);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, name, sizeof name - 1);
        close(fd);
        if (n > 0 && strncmp(name, "palisade", 8) == 0 && (name[8] == '\n' || name[8] == 0)) {
          snprintf(p, sizeof p, "/dev/%s", e->d_name);
          wait_for(p);
          closedir(d);
          return open(p, O_RDWR | O_CLOEXEC);
        }
      }
      closedir(d);
    }
    usleep(10000);
  }
  return -1;
}

// The spec, as sent by the host.
static char *args[1100];
static int nargs;
static char *envs[300];
static int nenvs;
static unsigned long uid = 65534, gid = 65534, pids_max = 256, tmp_bytes = 64 << 20, bridge_port = 3128;
static unsigned long long mem_bytes = 256ULL << 20, cpu_quota = 100000;
static unsigned char *ca_pem, *bpf;
static size_t ca_len, bpf_len;

/** Reads exactly len bytes from the port (blocking). */
static void read_exact(unsigned char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = read(port_fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("the host closed the channel");
    buf += n; len -= n;
  }
}

static void parse_config(unsigned char *p, uint32_t len) {
  size_t i = 0;
  while (i < len) {
    char *rec = (char *)p + i;
    size_t l = strnlen(rec, len - i);
    if (i + l >= len) fail("bad config record");
    char tag = rec[0];
    char *v = rec + 1;
    if (tag == 'A' && nargs < 1024) args[nargs++] = strdup(v);
    else if (tag == 'E' && nenvs < 290) envs[nenvs++] = strdup(v);
    else if (tag == 'U') uid = strtoul(v, NULL, 10);
    else if (tag == 'G') gid = strtoul(v, NULL, 10);
    else if (tag == 'M') mem_bytes = strtoull(v, NULL, 10);
    else if (tag == 'C') cpu_quota = strtoull(v, NULL, 10);
    else if (tag == 'P') pids_max = strtoul(v, NULL, 10);
    else if (tag == 'T') tmp_bytes = strtoul(v, NULL, 10);
    else if (tag == 'B') bridge_port = strtoul(v, NULL, 10);
    i += l + 1;
  }
}

static void read_spec(void) {
  for (;;) {
    unsigned char h[HDR];
    read_exact(h, HDR);
    uint32_t len = get32(h + 5);
    if (len > MAX_PAYLOAD) fail("oversized frame from the host");
    unsigned char *p = malloc(len + 1);
    if (!p) fail("out of memory");
    read_exact(p, len);
    p[len] = 0;
    switch (h[0]) {
      case F_CONFIG: parse_config(p, len); free(p); break;
      case F_CA: ca_pem = p; ca_len = len; break;
      case F_SECCOMP: bpf = p; bpf_len = len; break;
      case F_GO: free(p); return;
      default: free(p); break;
    }
  }
}

static void must_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
  if (mount(src, dst, type, flags, data) < 0) fail(dst);
}

static void mknod_dev(const char *path, int major, int minor) {
  if (mknod(path, S_IFCHR | 0666, makedev(major, minor)) < 0) fail(path);
  chmod(path, 0666);
}

/** The command's view: the image read-only, the workspace, private /tmp, /dev, /run/palisade. */
static void prepare_root(void) {
  mkdir("/newroot", 0755);
  wait_for("/dev/vda");
  must_mount("/dev/vda", "/newroot", "ext4", MS_RDONLY | MS_NOSUID | MS_NODEV, "");
  must_mount("workspace", "/newroot/workspace", "9p", MS_NOSUID | MS_NODEV, "trans=virtio,version=9p2000.L,msize=262144,cache=none,access=client");
  char opts[64];
  snprintf(opts, sizeof opts, "mode=1777,size=%lu", tmp_bytes);
  must_mount("tmpfs", "/newroot/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts);
  must_mount("tmpfs", "/newroot/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k");
  mknod_dev("/newroot/dev/null", 1, 3);
  mknod_dev("/newroot/dev/zero", 1, 5);
  mknod_dev("/newroot/dev/full", 1, 7);
  mknod_dev("/newroot/dev/random", 1, 8);
  mknod_dev("/newroot/dev/urandom", 1, 9);
  mknod_dev("/newroot/dev/tty", 5, 0);
  symlink("/proc/self/fd", "/newroot/dev/fd");
  symlink("/proc/self/fd/0", "/newroot/dev/stdin");
  symlink("/proc/self/fd/1", "/newroot/dev/stdout");
  symlink("/proc/self/fd/2", "/newroot/dev/stderr");
  mkdir("/newroot/dev/pts", 0755);
  mkdir("/newroot/dev/shm", 01777);
  must_mount("devpts", "/newroot/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  symlink("pts/ptmx", "/newroot/dev/ptmx");
  must_mount("shm", "/newroot/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
  must_mount("tmpfs", "/newroot/run/palisade", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=1m");
  if (ca_pem) create_file("/newroot/run/palisade/ca-cert.pem", ca_pem, ca_len, 0644);
  char text[512];
  int n = snprintf(text, sizeof text, "agent:x:%lu:%lu:agent:/workspace:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", uid, gid);
  create_file("/newroot/run/palisade/.passwd", text, n, 0644);
  n = snprintf(text, sizeof text, "agent:x:%lu:\nnogroup:x:65534:\n", gid);
  create_file("/newroot/run/palisade/.group", text, n, 0644);
  must_mount("/newroot/run/palisade/.passwd", "/newroot/etc/passwd", NULL, MS_BIND, NULL);
  must_mount("/newroot/run/palisade/.group", "/newroot/etc/group", NULL, MS_BIND, NULL);
  must_mount(NULL, "/newroot/run/palisade", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/** The command's cgroup: the sandbox's memory, pids and cpu limits inside the guest. */
static void prepare_cgroup(void) {
  mkdir("/sys/fs/cgroup", 0755);
  must_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory +pids +cpu");
  if (mkdir("/sys/fs/cgroup/agent", 0755) < 0) fail("/sys/fs/cgroup/agent");
  char v[64];
  snprintf(v, sizeof v, "%llu", mem_bytes);
  write_file("/sys/fs/cgroup/agent/memory.max", v);
  snprintf(v, sizeof v, "%lu", pids_max);
  write_file("/sys/fs/cgroup/agent/pids.max", v);
  snprintf(v, sizeof v, "%llu 100000", cpu_quota);
  write_file("/sys/fs/cgroup/agent/cpu.max", v);
}

static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq r = {0};
  strcpy(r.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &r) < 0) fail("lo");
  r.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &r) < 0) fail("lo up");
  close(s);
}

static const char *masked_proc[] = {"/proc/kcore", "/proc/kallsyms", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug", "/proc/kmsg", NULL};

static char *env_get(const char *name) {
  size_t l = strlen(name);
  for (int i = 0; i < nenvs; i++) if (strncmp(envs[i], name, l) == 0 && envs[i][l] == '=') return envs[i] + l + 1;
  return NULL;
}

/** execvpe with the command's own PATH. */
static void exec_command(void) {
  args[nargs] = NULL;
  envs[nenvs] = NULL;
  if (strchr(args[0], '/')) { execve(args[0], args, envs); return; }
  const char *path = env_get("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  char buf[4096];
  int saved = ENOENT;
  while (*path) {
    const char *end = strchrnul(path, ':');
    snprintf(buf, sizeof buf, "%.*s/%s", (int)(end - path), path, args[0]);
    execve(buf, args, envs);
    if (errno != ENOENT) saved = errno;
    path = *end ? end + 1 : end;
  }
  errno = saved;
}

/** In the new namespaces: pid 1 of the command's pid namespace, which reaps and reports the command's status. */
static void reaper(int out, int err, int status_fd, int exec_fd) {
  if (write(open("/sys/fs/cgroup/agent/cgroup.procs", O_WRONLY | O_CLOEXEC), "0", 1) < 0) _exit(120);
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) _exit(121);
  // The initramfs is the root mount, which pivot_root cannot leave: the new root moves over it
  // (as switch_root does). The command has no capability to chroot back out.
  if (chdir("/newroot") < 0 || mount("/newroot", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0) _exit(122);
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) _exit(123);
  for (const char **m = masked_proc; *m; m++) if (access(*m, F_OK) == 0) mount("/dev/null", *m, NULL, MS_BIND, NULL);
  mount("/proc/sys", "/proc/sys", NULL, MS_BIND | MS_REC, NULL);
  mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
  mount("/proc/sysrq-trigger", "/proc/sysrq-trigger", NULL, MS_BIND, NULL);
  mount(NULL, "/proc/sysrq-trigger", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
  sethostname("sandbox", 7);
  pid_t cmd = fork();
  if (cmd == 0) {
    setsid();
    int nul = open("/dev/null", O_RDONLY);
    dup2(nul, 0); dup2(out, 1); dup2(err, 2);
    if (chdir("/workspace") < 0) chdir("/");
    if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) { int e = errno; write(exec_fd, &e, sizeof e); _exit(126); }
    for (int c = 0; c <= 63; c++) prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) { int e = errno; write(exec_fd, &e, sizeof e); _exit(126); }
    if (bpf_len) {
      struct sock_fprog prog = {.len = bpf_len / sizeof(struct sock_filter), .filter = (struct sock_filter *)bpf};
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) { int e = errno; write(exec_fd, &e, sizeof e); _exit(126); }
    }
    for (int fd = 3; fd < 1024; fd++) if (fd != exec_fd) close(fd);
    exec_command();
    int e = errno;
    dprintf(2, "palisade: %s: %s\n", args[0], strerror(e));
    write(exec_fd, &e, sizeof e);
    _exit(e == ENOENT ? 127 : 126);
  }
  close(exec_fd);
  close(out); close(err);
  int st = 0;
  for (;;) {
    int s;
    pid_t p = wait(&s);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) break;
    if (p == cmd) st = s;
  }
  write(status_fd, &st, sizeof st);
  _exit(0);
}

struct conn {
  uint32_t id;
  int fd;
  uint32_t credit;  // bytes we may still send to the host
  unsigned char *pending;  // bytes from the host not yet written to fd
  size_t pending_len;
  int host_closed, fd_eof;
};

static struct conn *conns[MAX_CONNS];
static uint32_t next_conn = 16;

static struct conn *conn_by_id(uint32_t id) {
  for (int i = 0; i < MAX_CONNS; i++) if (conns[i] && conns[i]->id == id) return conns[i];
  return NULL;
}

static void conn_free(int i) {
  close(conns[i]->fd);
  free(conns[i]->pending);
  free(conns[i]);
  conns[i] = NULL;
}

static void signal_all(int sig) {
  FILE *f = fopen("/sys/fs/cgroup/agent/cgroup.procs", "re");
  if (!f) return;
  int pid;
  while (fscanf(f, "%d", &pid) == 1) kill(pid, sig);
  fclose(f);
}

static int oom_killed(void) {
  FILE *f = fopen("/sys/fs/cgroup/agent/memory.events", "re");
  if (!f) return 0;
  char key[64];
  unsigned long long v;
  int oom = 0;
  while (fscanf(f, "%63s %llu", key, &v) == 2) if (strcmp(key, "oom_kill") == 0 && v > 0) oom = 1;
  fclose(f);
  return oom;
}

static int init_main(void) {
  mkdir("/proc", 0755); mkdir("/sys", 0755); mkdir("/dev", 0755);
  mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=755");
  load_modules();
  port_fd = open_port();
  if (port_fd < 0) fail("no palisade channel");
  send_frame(F_READY, 0, NULL, 0);
  read_spec();
  if (nargs == 0) { errno = 0; fail("no command"); }
  prepare_root();
  prepare_cgroup();
  loopback_up();
  int lsn = listen_loopback(bridge_port);
  if (lsn < 0) fail("proxy listener");
  nonblock(lsn);
  int out[2], err[2], status[2], exec_pipe[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0 || pipe2(exec_pipe, O_CLOEXEC) < 0) fail("pipe");
  // The command's ends lose O_CLOEXEC only where dup2 puts them on 1 and 2.
  pid_t r = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
  if (r < 0) fail("clone");
  if (r == 0) {
    close(out[0]); close(err[0]); close(status[0]); close(exec_pipe[0]); close(lsn); close(port_fd);
    reaper(out[1], err[1], status[1], exec_pipe[1]);
  }
  close(out[1]); close(err[1]); close(status[1]); close(exec_pipe[1]);
  nonblock(port_fd); nonblock(out[0]); nonblock(err[0]); nonblock(status[0]); nonblock(exec_pipe[0]);
  int out_fd[3] = {-1, out[0], err[0]};
  uint32_t out_credit[3] = {0, WINDOW, WINDOW};
  int exec_open = 1, status_known = 0, exec_errno = 0, wait_status = 0;
  unsigned char *in = malloc(HDR + MAX_PAYLOAD);
  size_t in_len = 0;
  unsigned char *buf = malloc(MAX_PAYLOAD);
  if (!in || !buf) fail("out of memory");
  for (;;) {
    if (status_known && out_fd[1] < 0 && out_fd[2] < 0) break;
    struct pollfd pfd[6 + MAX_CONNS];
    int idx[MAX_CONNS];
    int n = 0;
    pfd[n++] = (struct pollfd){.fd = port_fd, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = lsn, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = out_fd[1] >= 0 && out_credit[1] ? out_fd[1] : -1, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = out_fd[2] >= 0 && out_credit[2] ? out_fd[2] : -1, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = status_known ? -1 : status[0], .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = exec_open ? exec_pipe[0] : -1, .events = POLLIN};
    int base = n;
    for (int i = 0; i < MAX_CONNS; i++) {
      struct conn *c = conns[i];
      if (!c) continue;
      idx[n - base] = i;
      pfd[n++] = (struct pollfd){.fd = c->fd, .events = (c->credit && !c->fd_eof ? POLLIN : 0) | (c->pending_len ? POLLOUT : 0)};
    }
    if (poll(pfd, n, -1) < 0) { if (errno == EINTR) continue; fail("poll"); }
    // Frames from the host.
    if (pfd[0].revents & (POLLIN | POLLHUP)) {
      ssize_t got = read(port_fd, in + in_len, HDR + MAX_PAYLOAD - in_len);
      if (got > 0) in_len += got;
      for (;;) {
        if (in_len < HDR) break;
        uint32_t ch = get32(in + 1), len = get32(in + 5);
        if (len > MAX_PAYLOAD) fail("oversized frame from the host");
        if (in_len < HDR + len) break;
        unsigned char *p = in + HDR;
        struct conn *c = conn_by_id(ch);
        switch (in[0]) {
          case F_DATA:
            if (c && !c->host_closed && c->pending_len + len <= WINDOW) {
              unsigned char *np = realloc(c->pending, c->pending_len + len);
              if (np) { memcpy(np + c->pending_len, p, len); c->pending = np; c->pending_len += len; }
            }
            break;
          case F_CLOSE:
            if (c) { c->host_closed = 1; if (!c->pending_len) shutdown(c->fd, SHUT_WR); }
            break;
          case F_CREDIT:
            if (len == 4) {
              uint32_t add = get32(p);
              if (ch == CH_STDOUT || ch == CH_STDERR) out_credit[ch] += add;
              else if (c) c->credit += add;
            }
            break;
          case F_SIGNAL:
            if (len == 1) signal_all(p[0]);
            break;
          default: break;
        }
        memmove(in, in + HDR + len, in_len - HDR - len);
        in_len -= HDR + len;
      }
    }
    // The command started (exec closed the pipe) or could not.
    if (exec_open && (pfd[5].revents & (POLLIN | POLLHUP))) {
      ssize_t got = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
      if (got <= 0) send_frame(F_STARTED, 0, NULL, 0);
      exec_open = 0;
    }
    // Output, within the host's credit.
    for (int ch = 1; ch <= 2; ch++) {
      if (out_fd[ch] < 0 || !(pfd[1 + ch].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      uint32_t want = out_credit[ch] < MAX_PAYLOAD ? out_credit[ch] : MAX_PAYLOAD;
      ssize_t got = read(out_fd[ch], buf, want);
      if (got > 0) { send_frame(F_OUT, ch, buf, got); out_credit[ch] -= got; }
      else if (got == 0 || (errno != EAGAIN && errno != EINTR)) { close(out_fd[ch]); out_fd[ch] = -1; }
    }
    if (!status_known && (pfd[4].revents & (POLLIN | POLLHUP))) {
      if (read(status[0], &wait_status, sizeof wait_status) != sizeof wait_status) {
        // The reaper died before the command's status: say where it stopped (its exit code).
        int rs = 0;
        waitpid(r, &rs, 0);
        char msg[64];
        int n = snprintf(msg, sizeof msg, "the guest could not start the command (step %d)", WIFEXITED(rs) ? WEXITSTATUS(rs) : -1);
        send_frame(F_ERROR, 0, msg, (uint32_t)n);
        power_off();
      }
      status_known = 1;
    }
    // Proxy connections from the command.
    for (int k = base; k < n; k++) {
      int i = idx[k - base];
      struct conn *c = conns[i];
      if (!c) continue;
      short rv = pfd[k].revents;
      if ((rv & POLLOUT) && c->pending_len) {
        ssize_t w = write(c->fd, c->pending, c->pending_len);
        if (w > 0) {
          memmove(c->pending, c->pending + w, c->pending_len - w);
          c->pending_len -= w;
          unsigned char cr[4];
          put32(cr, (uint32_t)w);
          send_frame(F_CREDIT, c->id, cr, 4);
          if (!c->pending_len && c->host_closed) shutdown(c->fd, SHUT_WR);
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) { c->pending_len = 0; c->fd_eof = 1; }
      }
      if ((rv & (POLLIN | POLLHUP | POLLERR)) && c->credit && !c->fd_eof) {
        uint32_t want = c->credit < MAX_PAYLOAD ? c->credit : MAX_PAYLOAD;
        ssize_t got = read(c->fd, buf, want);
        if (got > 0) { send_frame(F_DATA, c->id, buf, got); c->credit -= got; }
        else if (got == 0 || (errno != EAGAIN && errno != EINTR)) { c->fd_eof = 1; send_frame(F_CLOSE, c->id, NULL, 0); }
      }
      if ((c->fd_eof && c->host_closed && !c->pending_len) || (rv & POLLNVAL)) conn_free(i);
    }
    if (pfd[1].revents & POLLIN) {
      int fd = accept4(lsn, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) {
        int slot = -1;
        for (int i = 0; i < MAX_CONNS; i++) if (!conns[i]) { slot = i; break; }
        struct conn *c = slot < 0 ? NULL : calloc(1, sizeof *c);
        if (!c) close(fd);
        else {
          c->id = next_conn++;
          c->fd = fd;
          c->credit = WINDOW;
          conns[slot] = c;
          send_frame(F_OPEN, c->id, NULL, 0);
        }
      }
    }
  }
  unsigned char ex[5];
  put32(ex, (uint32_t)(exec_errno ? (exec_errno == ENOENT ? 127 : 126) << 8 : wait_status));
  ex[4] = (unsigned char)oom_killed();
  send_frame(F_EXIT, 0, ex, 5);
  power_off();
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "bridge") == 0) return bridge_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "sandbox-init") == 0) return sandbox_init_main(argc, argv);
  if (getpid() == 1 || (argc >= 2 && strcmp(argv[1], "init") == 0)) return init_main();
  fprintf(stderr, "usage: palisade-guest bridge PORT SOCKET -- COMMAND... | sandbox-init SOCKET -- COMMAND... | init\n");
  return 2;
}
