// Edge side of one tunnel connection: multiplexes HTTP exchanges and commands over a socket with per-stream credit.
// Platform-neutral (no cloudflare:* imports) so the Durable Object and the Node benchmark share it.
import { AppError } from "../errors.js";
import {
  type CommandAck,
  type HostToEdgeFrame,
  type SandboxStatus,
  type TunnelCommand,
  type TunnelErrorCode,
  HostToEdgeFrame as HostToEdgeFrameSchema,
  INITIAL_WINDOW,
  INVALID_ACK,
  MAX_CHUNK_BYTES,
  MAX_FRAME_BYTES,
  MIN_PROTOCOL_VERSION,
  ResponseHeadFrame,
  decodeBinaryFrame,
  encodeData,
  encodeText,
  invalidAck,
  parseTextFrame,
} from "../../schema/tunnel.js";
import type { HostCapabilities } from "../../schema/sandbox.js";

/** The part of a WebSocket the mux needs. */
export interface TunnelSocket {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface ForwardRequest {
  method: string;
  /** Absolute URL of the internal target, as the host will request it. */
  url: string;
  headers?: Headers | [string, string][] | Record<string, string>;
  body?: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | string | null;
}

export interface ForwardOptions {
  /** Time allowed until the response head arrives. */
  headTimeoutMs?: number;
  /** Time allowed between body chunks while the consumer is waiting for one. */
  idleTimeoutMs?: number;
}

export interface EdgeMuxOptions {
  hostId: string;
  heartbeatMs?: number;
  headTimeoutMs?: number;
  idleTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Already past hello (the DO restores this from the socket attachment after hibernation). */
  ready?: boolean;
  /** The protocol version the host's hello settled (restored with `ready`); 1 when unknown. */
  version?: number;
  onReady?: (version: number) => void;
  onStatus?: (status: SandboxStatus) => void;
  /** The host's drivers and images, from hello and from later `capabilities` frames. */
  onCapabilities?: (capabilities: HostCapabilities) => void;
  onHeartbeat?: () => void;
  log?: (event: string, fields: Record<string, string | number | boolean | undefined>) => void;
}

const DEFAULT_HEAD_TIMEOUT_MS = 30_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
/**
 * A vm sandbox is acked once its VMM runs (its guest boots after, reported as `running`); the first
 * start of an image also builds the image's root disk first (mkfs of the unpacked image).
 */
const VM_START_TIMEOUT_MS = 30_000;
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Credit is returned once this much was consumed, to keep credit frames few. */
const CREDIT_BATCH = INITIAL_WINDOW / 4;

interface Stream {
  id: number;
  /** Bytes we may still send to the host (request body). */
  sendWindow: number;
  creditWaiter: (() => void) | null;
  /** Bytes the host may still send us (response body). */
  recvWindow: number;
  unreturnedCredit: number;
  head: { resolve: (r: Response) => void; reject: (e: Error) => void } | null;
  headTimer: ReturnType<typeof setTimeout> | null;
  queue: Uint8Array[];
  ended: boolean;
  failed: Error | null;
  pullWaiter: (() => void) | null;
  closed: boolean;
}

interface PendingCommand {
  resolve: (ack: CommandAck) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const toError = (code: TunnelErrorCode, message: string): AppError =>
  code === "timeout" ? new AppError("upstream_timeout", `host tunnel: ${message}`) : new AppError("upstream_error", `host tunnel: ${message}`);

export class EdgeMux {
  readonly #socket: TunnelSocket;
  readonly #opts: EdgeMuxOptions;
  readonly #streams = new Map<number, Stream>();
  readonly #commands = new Map<string, PendingCommand>();
  #nextId = 1;
  #ready: boolean;
  /** The host's version: joined frames (kinds 2 and 3) only from 2 on. */
  #version: number;
  #closed = false;

  constructor(socket: TunnelSocket, opts: EdgeMuxOptions) {
    this.#socket = socket;
    this.#opts = opts;
    this.#ready = opts.ready ?? false;
    this.#version = opts.version ?? MIN_PROTOCOL_VERSION;
  }

  get ready(): boolean {
    return this.#ready && !this.#closed;
  }

  get inflight(): number {
    return this.#streams.size;
  }

  /** Feeds one WebSocket message from the host. Never throws: bad frames are refused with an error frame. */
  handleMessage(message: string | ArrayBuffer | Uint8Array): void {
    if (this.#closed) return;
    if (typeof message === "string") {
      const parsed = parseTextFrame(HostToEdgeFrameSchema, message);
      if (!parsed.ok) {
        // An invalid ack still answers its command: that command fails now, not at its timeout.
        const ack = this.#ready && parsed.code === "bad_frame" ? invalidAck(message) : undefined;
        const pending = ack && this.#commands.get(ack.id);
        if (ack && pending) {
          clearTimeout(pending.timer);
          this.#commands.delete(ack.id);
          pending.resolve({ ok: false, error: { code: INVALID_ACK, message: ack.message } });
        }
        return this.#refuse(parsed.code, parsed.message);
      }
      this.#onFrame(parsed.frame);
      return;
    }
    const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
    const frame = decodeBinaryFrame(bytes);
    if (!frame) return this.#refuse(bytes.byteLength > MAX_FRAME_BYTES ? "frame_too_large" : "bad_frame", "bad binary frame");
    if (!this.#ready) return this.#refuse("not_ready", "data before hello");
    const joined = frame.kind === "response" || frame.end;
    if (frame.kind === "data" && !joined) return this.#onData(frame.id, frame.payload, false);
    const s = this.#streams.get(frame.id);
    // A refused joined frame fails its stream at once: nothing else will come for it.
    const refused = (message: string) => (s ? this.#resetStream(s, "bad_frame", message) : this.#refuse("bad_frame", message, frame.id));
    if (this.#version < 2) return refused("joined frames need protocol version 2");
    if (frame.kind === "data") return this.#onData(frame.id, frame.payload, true);
    // A whole response: its head as a `res` frame would be, then its body and end.
    const head = frame.head === null ? undefined : parseTextFrame(ResponseHeadFrame, frame.head);
    if (!head?.ok || head.frame.id !== frame.id || (!head.frame.body && frame.payload.byteLength > 0)) return refused("bad response frame");
    if (!s) return this.#refuse("unknown_stream", "res for an unknown stream", frame.id);
    this.#onFrame(head.frame);
    if (head.frame.body && !s.closed) this.#onData(frame.id, frame.payload, true);
  }

  /** Body bytes from the host; `end`: they complete the body. */
  #onData(id: number, payload: Uint8Array, end: boolean): void {
    const s = this.#streams.get(id);
    if (!s || s.ended) return this.#refuse("unknown_stream", "data for an unknown or ended stream", id);
    if (s.head) return this.#resetStream(s, "out_of_order", "data before response head");
    if (payload.byteLength > s.recvWindow) return this.#resetStream(s, "flow_control", "window exceeded");
    s.recvWindow -= payload.byteLength;
    if (payload.byteLength > 0) s.queue.push(payload);
    if (end) s.ended = true;
    this.#wakePull(s);
  }

  /** The socket is gone: every in-flight request and command fails now. */
  handleClose(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = toError("closed", `connection closed (${reason})`);
    for (const s of [...this.#streams.values()]) this.#failStream(s, err);
    for (const [id, c] of this.#commands) {
      clearTimeout(c.timer);
      c.reject(err);
      this.#commands.delete(id);
    }
  }

  /** Sends one HTTP exchange to the host; resolves with the response head, the body streams with flow control. */
  async forward(req: ForwardRequest, opts: ForwardOptions = {}): Promise<Response> {
    if (!this.ready) throw new AppError("unavailable", "host tunnel is not connected");
    const id = this.#allocateId();
    const h = req.headers;
    let headers: [string, string][];
    if (h instanceof Headers) {
      headers = [];
      h.forEach((v, k) => {
        headers.push([k, v]);
      });
    } else headers = Array.isArray(h) ? h : Object.entries(h ?? {});
    const body = req.body ?? null;
    const s: Stream = {
      id,
      sendWindow: INITIAL_WINDOW,
      creditWaiter: null,
      recvWindow: INITIAL_WINDOW,
      unreturnedCredit: 0,
      head: null,
      headTimer: null,
      queue: [],
      ended: false,
      failed: null,
      pullWaiter: null,
      closed: false,
    };
    const headPromise = new Promise<Response>((resolve, reject) => {
      s.head = { resolve, reject };
    });
    this.#streams.set(id, s);
    const headTimeout = opts.headTimeoutMs ?? this.#opts.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS;
    s.headTimer = setTimeout(() => this.#resetStream(s, "timeout", "no response head in time"), headTimeout);
    this.#send(encodeText({ t: "req", id, method: req.method.toUpperCase(), url: req.url, headers, body: body !== null }));
    if (body !== null) void this.#pumpBody(s, body);
    const idleTimeout = opts.idleTimeoutMs ?? this.#opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const res = await headPromise;
    return this.#withBody(s, res, idleTimeout);
  }

  /** Sends a sandbox command; resolves with the host's ack. */
  command(cmd: TunnelCommand): Promise<CommandAck> {
    if (!this.ready) return Promise.reject(new AppError("unavailable", "host tunnel is not connected"));
    const id = crypto.randomUUID();
    return new Promise<CommandAck>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#commands.delete(id);
          reject(toError("timeout", `no ack for ${cmd.op}`));
        },
        this.#opts.commandTimeoutMs ?? (cmd.op === "sandbox.start" && cmd.isolation === "vm" ? VM_START_TIMEOUT_MS : DEFAULT_COMMAND_TIMEOUT_MS),
      );
      this.#commands.set(id, { resolve, reject, timer });
      this.#send(encodeText({ t: "cmd", id, cmd }));
    });
  }

  #onFrame(f: HostToEdgeFrame): void {
    if (f.t === "hello") {
      this.#ready = true;
      this.#version = f.v;
      this.#send(
        encodeText({
          t: "hello.ack",
          v: f.v, // the host's own version: one of 1 sends no joined frames and accepts only 1 here
          hostId: this.#opts.hostId,
          heartbeatMs: this.#opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
        }),
      );
      this.#opts.onReady?.(f.v);
      if (f.capabilities) this.#opts.onCapabilities?.(f.capabilities);
      return;
    }
    // An error is never answered with one: two refusing peers would trade them without end.
    if (!this.#ready && f.t === "error") return this.#log("tunnel.peer_error", { code: f.code, stream: f.id });
    if (!this.#ready) return this.#refuse("not_ready", "frame before hello");
    switch (f.t) {
      case "ping":
        this.#opts.onHeartbeat?.();
        this.#send(encodeText({ t: "pong" }));
        return;
      case "pong":
        this.#opts.onHeartbeat?.();
        return;
      case "capabilities":
        this.#opts.onCapabilities?.(f.capabilities);
        return;
      case "sandbox.status": {
        const { t: _t, ...status } = f;
        this.#opts.onStatus?.(status);
        return;
      }
      case "cmd.ack": {
        const c = this.#commands.get(f.id);
        if (!c) return this.#refuse("unknown_stream", "ack for an unknown command");
        clearTimeout(c.timer);
        this.#commands.delete(f.id);
        c.resolve({ ok: f.ok, ...(f.error ? { error: f.error } : {}), ...(f.runtime ? { runtime: f.runtime } : {}) });
        return;
      }
      case "error": {
        this.#log("tunnel.peer_error", { code: f.code, stream: f.id });
        const s = f.id === undefined ? undefined : this.#streams.get(f.id);
        if (s) this.#failStream(s, toError(f.code, `host refused a frame (${f.code})`));
        return;
      }
      default:
        break;
    }
    const s = this.#streams.get(f.id);
    // Credit and reset may cross a stream's end on the wire; anything else for an unknown stream is refused.
    if (!s) return f.t === "credit" || f.t === "reset" ? undefined : this.#refuse("unknown_stream", `${f.t} for an unknown stream`, f.id);
    switch (f.t) {
      case "res": {
        if (!s.head) return this.#resetStream(s, "out_of_order", "second response head");
        const head = s.head;
        s.head = null;
        if (s.headTimer) clearTimeout(s.headTimer);
        s.headTimer = null;
        if (!f.body) s.ended = true;
        const headers = new Headers();
        for (const [k, v] of f.headers) {
          try {
            headers.append(k, v);
          } catch {
            // An invalid header name or value from the target is dropped rather than failing the response.
          }
        }
        head.resolve(new Response(null, { status: f.status, headers }));
        return;
      }
      case "end":
        if (s.head) return this.#resetStream(s, "out_of_order", "end before response head");
        // Already ended: a host of version 1 also ends a bodiless head (HEAD, 204, 304); nothing to change.
        if (s.ended) return;
        s.ended = true;
        this.#wakePull(s);
        return;
      case "credit":
        s.sendWindow += f.bytes;
        if (s.creditWaiter) {
          const w = s.creditWaiter;
          s.creditWaiter = null;
          w();
        }
        return;
      case "reset":
        this.#log("tunnel.stream_reset", { code: f.code, stream: f.id });
        this.#failStream(s, toError(f.code, `host reset the stream (${f.code})`));
        return;
    }
  }

  #withBody(s: Stream, head: Response, idleTimeoutMs: number): Response {
    const nullBody = head.status === 204 || head.status === 205 || head.status === 304;
    if (nullBody) {
      this.#closeStream(s);
      return head;
    }
    const mux = this;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            const chunk = s.queue.shift();
            if (chunk) {
              controller.enqueue(chunk);
              mux.#returnCredit(s, chunk.byteLength);
              return;
            }
            if (s.failed) return controller.error(s.failed);
            if (s.ended) {
              controller.close();
              mux.#closeStream(s);
              return;
            }
            // Waiting on the host: this is where an idle link must not hang the consumer.
            let timer: ReturnType<typeof setTimeout> | undefined;
            await new Promise<void>((resolve) => {
              s.pullWaiter = resolve;
              timer = setTimeout(() => mux.#resetStream(s, "timeout", "response body stalled"), idleTimeoutMs);
            });
            clearTimeout(timer);
          }
        },
        cancel() {
          if (!s.closed) {
            mux.#send(encodeText({ t: "reset", id: s.id, code: "cancelled", message: "consumer cancelled" }));
            mux.#closeStream(s);
          }
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: head.status, headers: head.headers });
  }

  async #pumpBody(s: Stream, body: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | string): Promise<void> {
    try {
      if (body instanceof ReadableStream) {
        const reader = body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (s.closed) {
            await reader.cancel();
            return;
          }
          await this.#sendBytes(s, value);
        }
      } else {
        const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : new Uint8Array(body);
        await this.#sendBytes(s, bytes);
      }
      if (!s.closed) this.#send(encodeText({ t: "end", id: s.id }));
    } catch (e) {
      if (!s.closed) this.#resetStream(s, "cancelled", "request body failed");
      this.#log("tunnel.request_body_failed", { stream: s.id, error: e instanceof Error ? e.name : "unknown" });
    }
  }

  async #sendBytes(s: Stream, bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      if (s.closed) return;
      if (s.sendWindow <= 0) {
        await new Promise<void>((resolve) => {
          s.creditWaiter = resolve;
        });
        continue;
      }
      const n = Math.min(bytes.byteLength - off, s.sendWindow, MAX_CHUNK_BYTES);
      this.#send(encodeData(s.id, bytes.subarray(off, off + n)));
      s.sendWindow -= n;
      off += n;
    }
  }

  #returnCredit(s: Stream, n: number): void {
    s.unreturnedCredit += n;
    if (s.unreturnedCredit >= CREDIT_BATCH && !s.ended && !s.closed) {
      s.recvWindow += s.unreturnedCredit;
      this.#send(encodeText({ t: "credit", id: s.id, bytes: s.unreturnedCredit }));
      s.unreturnedCredit = 0;
    }
  }

  #wakePull(s: Stream): void {
    const w = s.pullWaiter;
    s.pullWaiter = null;
    w?.();
  }

  #resetStream(s: Stream, code: TunnelErrorCode, message: string): void {
    this.#log("tunnel.stream_refused", { code, stream: s.id });
    if (!s.closed) this.#send(encodeText({ t: "reset", id: s.id, code, message }));
    this.#failStream(s, toError(code, message));
  }

  #failStream(s: Stream, err: Error): void {
    s.failed ??= err;
    if (s.headTimer) clearTimeout(s.headTimer);
    s.headTimer = null;
    if (s.head) {
      const h = s.head;
      s.head = null;
      h.reject(err);
    }
    s.queue.length = 0;
    this.#closeStream(s);
    this.#wakePull(s);
    const w = s.creditWaiter;
    s.creditWaiter = null;
    w?.();
  }

  #closeStream(s: Stream): void {
    s.closed = true;
    this.#streams.delete(s.id);
    // A request body waiting for credit stops: the response ended first (an early answer).
    const w = s.creditWaiter;
    s.creditWaiter = null;
    w?.();
  }

  #refuse(code: TunnelErrorCode, message: string, id?: number): void {
    this.#log("tunnel.frame_refused", { code, stream: id });
    this.#send(encodeText(id === undefined ? { t: "error", code, message } : { t: "error", id, code, message }));
  }

  #allocateId(): number {
    // Ids are not reused within a connection while in flight; wrap at u32.
    for (;;) {
      const id = this.#nextId;
      this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
      if (!this.#streams.has(id)) return id;
    }
  }

  #send(data: string | Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#socket.send(data);
    } catch {
      this.handleClose("send failed");
    }
  }

  #log(event: string, fields: Record<string, string | number | boolean | undefined>): void {
    (this.#opts.log ?? defaultLog)(event, { host: this.#opts.hostId, ...fields });
  }
}

function defaultLog(event: string, fields: Record<string, string | number | boolean | undefined>): void {
  console.warn(JSON.stringify({ event, ...fields }));
}
