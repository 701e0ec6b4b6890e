// The host's end of the one channel between a microvm guest and the host: a virtio-serial port
// ("palisade") that qemu joins to its own stdin and stdout. The guest's init (guest/palisade-guest.c)
// speaks the same frames: a 9-byte header (type, channel id u32, length u32, big-endian), then the
// payload, at most 256 KiB. Each direction of each stream has a 256 KiB window: a side sends no more
// than the other granted (CREDIT frames give back what was written out).
//
//   guest → host   READY, STARTED, OUT (ch 1 stdout, 2 stderr), OPEN/DATA/CLOSE (a proxy
//                  connection from the command), CREDIT, EXIT (wait status u32, oom byte), ERROR
//   host → guest   CONFIG (tagged NUL-ended records), CA, SECCOMP (BPF), GO, DATA/CLOSE, CREDIT, SIGNAL
export const Frame = {
  READY: 1,
  CONFIG: 2,
  CA: 3,
  SECCOMP: 4,
  GO: 5,
  STARTED: 6,
  OUT: 7,
  OPEN: 8,
  DATA: 9,
  CLOSE: 10,
  CREDIT: 11,
  SIGNAL: 12,
  EXIT: 13,
  ERROR: 14,
} as const;

export const HEADER_BYTES = 9;
export const MAX_PAYLOAD = 256 * 1024;
/** Bytes either side may have in flight per stream before the other grants more. */
export const WINDOW = 256 * 1024;
export const CH_STDOUT = 1;
export const CH_STDERR = 2;

export interface ChannelFrame {
  type: number;
  ch: number;
  payload: Buffer;
}

export function encodeFrame(type: number, ch: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new Error("channel frame too large");
  const h = Buffer.alloc(HEADER_BYTES);
  h[0] = type;
  h.writeUInt32BE(ch, 1);
  h.writeUInt32BE(payload.length, 5);
  return Buffer.concat([h, payload]);
}

export const creditFrame = (ch: number, bytes: number) => {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(bytes);
  return encodeFrame(Frame.CREDIT, ch, p);
};

/** Splits the guest's byte stream into frames; a frame over MAX_PAYLOAD is a broken guest. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ChannelFrame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: ChannelFrame[] = [];
    while (this.#buf.length >= HEADER_BYTES) {
      const len = this.#buf.readUInt32BE(5);
      if (len > MAX_PAYLOAD) throw new Error("oversized frame from the guest");
      if (this.#buf.length < HEADER_BYTES + len) break;
      out.push({ type: this.#buf[0] ?? 0, ch: this.#buf.readUInt32BE(1), payload: this.#buf.subarray(HEADER_BYTES, HEADER_BYTES + len) });
      this.#buf = this.#buf.subarray(HEADER_BYTES + len);
    }
    return out;
  }
}

export interface GuestConfig {
  argv: string[];
  env: Record<string, string>;
  uid: number;
  gid: number;
  memoryBytes: number;
  /** cpu.max quota in µs per 100 ms period. */
  cpuQuotaUs: number;
  pids: number;
  tmpBytes: number;
  bridgePort: number;
}

/** The CONFIG payload: one tagged, NUL-ended record per value (A argv, E env, U G M C P T B). */
export function encodeConfig(c: GuestConfig): Buffer {
  const records = [
    ...c.argv.map((a) => `A${a}`),
    ...Object.entries(c.env).map(([k, v]) => `E${k}=${v}`),
    `U${c.uid}`,
    `G${c.gid}`,
    `M${c.memoryBytes}`,
    `C${c.cpuQuotaUs}`,
    `P${c.pids}`,
    `T${c.tmpBytes}`,
    `B${c.bridgePort}`,
  ];
  const payload = Buffer.from(records.map((r) => `${r}\0`).join(""));
  if (payload.length > MAX_PAYLOAD) throw new Error("the command and its environment exceed the guest's 256 KiB");
  return payload;
}
