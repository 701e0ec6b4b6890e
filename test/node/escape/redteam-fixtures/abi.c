// Red team probe (issue 17): system calls through the other ABIs of an x86_64 kernel, and the
// newest mount-API calls the deny list does not name. Prints "key value" lines; run as `abi MODE`.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static long sys32(long nr, long a, long b, long c) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return ret;
#else
  (void)nr; (void)a; (void)b; (void)c;
  return -ENOSYS;
#endif
}

static void report(const char *k, long r) {
  printf("%s %s\n", k, r >= 0 ? "ok" : strerror(errno));
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "i386")) {
    printf("start i386\n"); fflush(stdout);
    long r = sys32(359, 40, 1, 0); // i386 socket(AF_VSOCK, SOCK_STREAM, 0)
    printf("i386-socket-vsock %ld\n", r);
    r = sys32(310, 0x10000000, 0, 0); // i386 unshare(CLONE_NEWUSER)
    printf("i386-unshare %ld\n", r);
    return 0;
  }
  if (!strcmp(mode, "x32")) {
    printf("start x32\n"); fflush(stdout);
    long r = syscall(0x40000000 | 41, 40, 1, 0); // x32 socket(AF_VSOCK)
    printf("x32-socket-vsock %ld %d\n", r, errno);
    return 0;
  }
  if (!strcmp(mode, "mountapi")) {
    errno = 0; report("open_tree_attr-clone", syscall(467, -100, "/", 1 /* OPEN_TREE_CLONE */ | 0x8000 /* AT_RECURSIVE */, 0, 0));
    errno = 0; report("open_tree-clone", syscall(428, -100, "/", 1));
    return 0;
  }
  if (!strcmp(mode, "socket")) {
    errno = 0; report("socket-vsock-highbits", syscall(SYS_socket, 0x100000028L, 1, 0));
    errno = 0; report("socket-vsock-negative-hi", syscall(SYS_socket, (long)0xffffffff00000028UL, 1, 0));
    errno = 0; report("netlink-audit", syscall(SYS_socket, 16, 3, 9));
    errno = 0; report("netlink-route-highbits", syscall(SYS_socket, 16, 3, 0x100000000L));
    errno = 0; report("socketpair-vsock", syscall(SYS_socketpair, 40, 1, 0, (int[2]){0, 0}));
    return 0;
  }
  return 2;
}
