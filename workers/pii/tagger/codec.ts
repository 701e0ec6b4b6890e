// Compact binary form of the tagger's weights and gazetteer (written by scripts/pii-train,
// read by the Worker): varint-coded deltas of sorted indices, zig-zag varint values.

export class ByteWriter {
  #bytes = new Uint8Array(1 << 16);
  #n = 0;

  #room(k: number): void {
    if (this.#n + k <= this.#bytes.length) return;
    const next = new Uint8Array(Math.max(this.#bytes.length * 2, this.#n + k));
    next.set(this.#bytes.subarray(0, this.#n));
    this.#bytes = next;
  }

  varint(v: number): void {
    this.#room(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.#bytes[this.#n++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.#bytes[this.#n++] = x;
  }

  signed(v: number): void {
    this.varint((v << 1) ^ (v >> 31));
  }

  float(v: number): void {
    this.#room(4);
    new DataView(this.#bytes.buffer).setFloat32(this.#n, v, true);
    this.#n += 4;
  }

  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#n);
  }
}

export class ByteReader {
  #at = 0;
  constructor(readonly bytes: Uint8Array) {}

  varint(): number {
    let x = 0;
    let shift = 0;
    for (;;) {
      const b = this.bytes[this.#at++];
      if (b === undefined) throw new Error("truncated tagger data");
      x |= (b & 0x7f) << shift;
      if (b < 0x80) return x >>> 0;
      shift += 7;
    }
  }

  signed(): number {
    const v = this.varint();
    return (v >>> 1) ^ -(v & 1);
  }

  float(): number {
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset).getFloat32(this.#at, true);
    this.#at += 4;
    return v;
  }
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
