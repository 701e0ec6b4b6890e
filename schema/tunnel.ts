// The edge<->host tunnel protocol: zod schemas of every control frame and the binary data-frame layout.
//
// Control frames are JSON text messages discriminated by `t`. Body bytes travel in binary
// messages with a 5-byte header (kind u8, stream id u32 big-endian) so bulk data is neither
// base64-inflated (+33%) nor JSON-parsed: that is what makes the 100 MB/s target reachable.
//
// Streams: the edge opens every stream (it forwards requests to the host); ids are positive
// u32. Each direction of a stream has a byte window of INITIAL_WINDOW; the receiver grants
// more with `credit` frames as it consumes, and a sender never has more unacknowledged bytes
// in flight than granted. Overrun, unknown or out-of-order frames are answered with `error`
// (connection-level) or `reset` (that stream only); other streams keep going.
import { z } from "zod";
import {
  HostCapabilitiesSchema,
  ImageRefSchema,
  IsolationLevelSchema,
  reservedAgentIdProblem,
  SANDBOX_DRIVERS,
  SandboxArg,
  SandboxRuntimeSchema,
  sandboxEnv,
} from "./sandbox.js";

/**
 * 2 adds the joined binary frames (kinds 2 and 3), which a host sends only once the edge's
 * hello.ack says 2. An edge answers each host with the host's own version, so hosts of version 1
 * keep working; a host of version 2 facing an edge of version 1 says hello again as version 1.
 */
export const PROTOCOL_VERSION = 2;
export const MIN_PROTOCOL_VERSION = 1;
const ProtocolVersion = z.number().int().min(MIN_PROTOCOL_VERSION).max(PROTOCOL_VERSION);
/** Largest WebSocket message either side accepts (text or binary). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Largest payload of one binary data frame. */
export const MAX_CHUNK_BYTES = 256 * 1024;
/** Bytes a sender may send on a new stream direction before any credit arrives. */
export const INITIAL_WINDOW = 1024 * 1024;
/** Largest single credit grant, so a buggy peer cannot make a window overflow. */
export const MAX_CREDIT = 16 * 1024 * 1024;
export const DATA_HEADER_BYTES = 5;
/** Binary frame kind: body bytes of a stream (request body edge->host, response body host->edge). */
export const FRAME_KIND_DATA = 1;
/** Binary frame kind (version 2): body bytes that complete the sender's body, a data frame and `end` in one message. */
export const FRAME_KIND_DATA_END = 2;
/**
 * Binary frame kind (version 2, host -> edge): a whole response in one message, `res`, its body and
 * `end`: kind | u32 stream id | u32 head length | the `res` frame's JSON | the body. A small answer
 * is then one message instead of three (one WebSocket event, one parse, one write each side).
 */
export const FRAME_KIND_RESPONSE = 3;
const RESPONSE_HEADER_BYTES = DATA_HEADER_BYTES + 4;

/**
 * Heartbeats are fixed strings so the Durable Object can answer them with
 * setWebSocketAutoResponse without waking from hibernation.
 */
export const HEARTBEAT_PING = '{"t":"ping"}';
export const HEARTBEAT_PONG = '{"t":"pong"}';

const StreamId = z.number().int().min(1).max(0xffffffff);
/** Bounds of a frame's header list: at most this many, names of 1-256 characters, values up to 16 KiB. */
export const HEADER_LIMITS = { count: 256, name: 256, value: 16 * 1024 } as const;
const HeaderList = z.array(z.tuple([z.string().min(1).max(HEADER_LIMITS.name), z.string().max(HEADER_LIMITS.value)])).max(HEADER_LIMITS.count);

/** The header list fits a frame (what HeaderList checks), without a schema pass per response. */
export function headersFitFrame(headers: [string, string][]): boolean {
  if (headers.length > HEADER_LIMITS.count) return false;
  for (const [k, v] of headers) if (k.length < 1 || k.length > HEADER_LIMITS.name || v.length > HEADER_LIMITS.value) return false;
  return true;
}
const Token = z.string().min(1).max(128);
const ErrorCodes = z.enum([
  "bad_frame", // not JSON, not a known frame, or fields invalid
  "frame_too_large",
  "unknown_stream", // a frame for a stream that does not exist (or no longer exists)
  "out_of_order", // e.g. data before a request head, response head twice
  "flow_control", // a sender exceeded the granted window
  "stream_exists",
  "target_error", // the host could not reach the internal target
  "cancelled", // the other side gave up on the stream
  "timeout",
  "closed", // the link dropped
  "unknown_command",
  "not_ready", // a frame before hello/hello.ack
]);
export type TunnelErrorCode = z.infer<typeof ErrorCodes>;

/** host -> edge, first frame after the upgrade. */
export const HelloFrame = z.strictObject({
  t: z.literal("hello"),
  v: ProtocolVersion,
  agent: z.string().max(128).optional(), // daemon version string, for status only
  /** The drivers this host runs and the images imported on it (the edge picks hosts by them). */
  capabilities: HostCapabilitiesSchema.optional(),
});
/** host -> edge: the host's capabilities changed (an image was imported or removed). */
export const CapabilitiesFrame = z.strictObject({ t: z.literal("capabilities"), capabilities: HostCapabilitiesSchema });
/** edge -> host, answer to hello. */
export const HelloAckFrame = z.strictObject({
  t: z.literal("hello.ack"),
  /** The host's own version, which the edge speaks back. */
  v: ProtocolVersion,
  hostId: Token,
  /** How often the host should ping; the edge considers it gone after a few missed. */
  heartbeatMs: z.number().int().min(1000).max(300_000),
});
export const PingFrame = z.strictObject({ t: z.literal("ping") });
export const PongFrame = z.strictObject({ t: z.literal("pong") });

/** edge -> host: open a stream with an HTTP request head; body follows as data frames then `end`. */
export const RequestHeadFrame = z.strictObject({
  t: z.literal("req"),
  id: StreamId,
  method: z.string().regex(/^[A-Z]{1,16}$/),
  url: z
    .string()
    .url()
    .max(16 * 1024),
  headers: HeaderList,
  /** false: no body follows, the request is complete with this frame. */
  body: z.boolean(),
});
/** host -> edge: the response head; body follows as data frames then `end`. */
export const ResponseHeadFrame = z.strictObject({
  t: z.literal("res"),
  id: StreamId,
  status: z.number().int().min(200).max(599),
  headers: HeaderList,
  body: z.boolean(),
});
/** Either side: the body it sends on this stream is complete. */
export const EndFrame = z.strictObject({ t: z.literal("end"), id: StreamId });
/** Either side: the receiver has consumed bytes and grants the sender that many more. */
export const CreditFrame = z.strictObject({
  t: z.literal("credit"),
  id: StreamId,
  bytes: z.number().int().min(1).max(MAX_CREDIT),
});
/** Either side: abort one stream; the other streams are untouched. */
export const ResetFrame = z.strictObject({
  t: z.literal("reset"),
  id: StreamId,
  code: ErrorCodes,
  message: z.string().max(512),
});
/** Either side: a frame was refused. `id` names the stream it concerned, if any. */
export const ErrorFrame = z.strictObject({
  t: z.literal("error"),
  id: StreamId.optional(),
  code: ErrorCodes,
  message: z.string().max(512),
});

/** Sandbox and agent ids name directories, cgroups and containers on the host: one plain path segment. */
const SandboxId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const AgentId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "agent id: letters, digits, '_' and '-'")
  .superRefine((id, ctx) => {
    const problem = reservedAgentIdProblem(id);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/**
 * Everything in here is untrusted input to the host, which checks it again (SandboxManager.start):
 * ids are path segments, argv and env carry no NUL byte and no loader variable, sizes are bounded.
 */
export const SandboxStartCommand = z.strictObject({
  op: z.literal("sandbox.start"),
  sandboxId: SandboxId,
  agentId: AgentId,
  /** argv; the first element is the program. */
  command: z.array(SandboxArg).min(1).max(1024),
  env: sandboxEnv(256),
  /** The agent token the sandbox uses for /llm and /egress; it goes into HTTP headers, so header-safe characters only. Never logged. */
  agentToken: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_.~+/=-]+$/, "token characters"),
  /** Working directory inside the sandbox, relative to /workspace. */
  cwd: SandboxArg.max(1024).optional(),
  idleTimeoutMs: z
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3600 * 1000)
    .optional(),
  limits: z
    .strictObject({
      memoryBytes: z
        .number()
        .int()
        .min(16 * 1024 * 1024)
        .optional(),
      cpuMillis: z.number().int().min(10).max(1_000_000).optional(), // 1000 = one core
      pids: z.number().int().min(8).max(1_000_000).optional(),
    })
    .optional(),
  driver: z.enum(SANDBOX_DRIVERS).optional(),
  /** The isolation the edge decided (policy included); the host runs it or refuses, never less. */
  isolation: IsolationLevelSchema.optional(),
  /** An image imported on this host (digest or name); bwrap cannot run one. */
  image: ImageRefSchema.optional(),
});
export const SandboxStopCommand = z.strictObject({
  op: z.literal("sandbox.stop"),
  sandboxId: SandboxId,
  /** SIGTERM, then SIGKILL after this long. */
  graceMs: z.number().int().min(0).max(600_000).optional(),
});
export const SandboxKillCommand = z.strictObject({ op: z.literal("sandbox.kill"), sandboxId: SandboxId });
export const TunnelCommand = z.discriminatedUnion("op", [SandboxStartCommand, SandboxStopCommand, SandboxKillCommand]);
export type TunnelCommand = z.infer<typeof TunnelCommand>;
export type SandboxStartCommand = z.infer<typeof SandboxStartCommand>;

/** edge -> host: run a command; answered by exactly one `cmd.ack` with the same id. */
export const CommandFrame = z.strictObject({ t: z.literal("cmd"), id: Token, cmd: TunnelCommand });
const AckError = z.strictObject({ code: z.string().max(64), message: z.string().max(512) });
export const CommandAck = z.strictObject({
  ok: z.boolean(),
  /** sandbox.start: what the sandbox really runs on (required there, see SandboxStartAck). */
  runtime: SandboxRuntimeSchema.optional(),
  error: AckError.optional(),
});
export type CommandAck = z.infer<typeof CommandAck>;
export const CommandAckFrame = z.strictObject({ t: z.literal("cmd.ack"), id: Token, ...CommandAck.shape });

/**
 * The ack of a sandbox.start as the edge accepts it: started, saying what it runs on (driver,
 * isolation level, image digest, a VM's accelerator, the limits applied), or refused with why. A
 * host that says `ok` without its runtime is not believed.
 */
export const SandboxStartAck = z.union([
  z.strictObject({ ok: z.literal(true), runtime: SandboxRuntimeSchema }),
  z.strictObject({ ok: z.literal(false), error: AckError }),
]);
export type SandboxStartAck = z.infer<typeof SandboxStartAck>;

/** The code of a refusal the edge makes up for an ack whose fields are invalid (the host may have started something). */
export const INVALID_ACK = "invalid_ack";

/**
 * For a `cmd.ack` frame whose fields are invalid (an unknown driver, a VM without accelerator): its
 * id and why, so the edge fails that one command at once instead of waiting for its timeout.
 */
export function invalidAck(text: string): { id: string; message: string } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const head = z.object({ t: z.literal("cmd.ack"), id: Token }).safeParse(raw);
  if (!head.success) return undefined;
  const ack = CommandAckFrame.safeParse(raw);
  if (ack.success) return undefined;
  const parts = ack.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join(".") || "ack"}: ${i.message}`);
  return { id: head.data.id, message: `invalid ack: ${parts.join("; ")}`.slice(0, 512) };
}

export const SANDBOX_STATES = ["starting", "running", "exited", "failed"] as const;
export const SandboxStatus = z.strictObject({
  sandboxId: SandboxId,
  state: z.enum(SANDBOX_STATES),
  exitCode: z.number().int().optional(),
  reason: z.string().max(512).optional(),
  /** Wall time from start to exit, reported with exited/failed. */
  durationMs: z.number().int().min(0).optional(),
  /** The command's combined output, truncated by the host (for the audit). */
  output: z.string().max(4096).optional(),
  /** ms since epoch on the host's clock. */
  at: z.number().int().min(0),
  /** With `running`: what the sandbox runs on (driver, isolation, image digest, accelerator). */
  runtime: SandboxRuntimeSchema.optional(),
});
export type SandboxStatus = z.infer<typeof SandboxStatus>;
/** host -> edge: a sandbox changed state. Not acknowledged. */
export const StatusFrame = z.strictObject({ t: z.literal("sandbox.status"), ...SandboxStatus.shape });

/** Every frame the edge may receive from a host. */
export const HostToEdgeFrame = z.discriminatedUnion("t", [
  HelloFrame,
  CapabilitiesFrame,
  PingFrame,
  PongFrame,
  ResponseHeadFrame,
  EndFrame,
  CreditFrame,
  ResetFrame,
  ErrorFrame,
  CommandAckFrame,
  StatusFrame,
]);
export type HostToEdgeFrame = z.infer<typeof HostToEdgeFrame>;
/** Every frame a host may receive from the edge. */
export const EdgeToHostFrame = z.discriminatedUnion("t", [
  HelloAckFrame,
  PingFrame,
  PongFrame,
  RequestHeadFrame,
  EndFrame,
  CreditFrame,
  ResetFrame,
  ErrorFrame,
  CommandFrame,
]);
export type EdgeToHostFrame = z.infer<typeof EdgeToHostFrame>;

/** The first problems of a refused command, by field and rule: never a value (the env may hold secrets). */
export function commandProblem(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const parts = issues.slice(0, 3).map((i) => `${i.path.map(String).join(".") || "command"}: ${i.message}`);
  return `invalid command: ${parts.join("; ")}`.slice(0, 512);
}

/**
 * For a `cmd` frame whose command is invalid: its id and why, so the host can refuse that one
 * command with a `cmd.ack` instead of leaving the edge waiting. Undefined for anything else.
 */
export function refusedCommand(text: string): { id: string; message: string } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const head = z.object({ t: z.literal("cmd"), id: Token, cmd: z.unknown() }).safeParse(raw);
  if (!head.success) return undefined;
  const cmd = TunnelCommand.safeParse(head.data.cmd);
  return { id: head.data.id, message: cmd.success ? "invalid command frame" : commandProblem(cmd.error.issues) };
}

export type ParsedText<F> = { ok: true; frame: F } | { ok: false; code: TunnelErrorCode; message: string };

/** Parses one text message against a frame union; never throws. */
export function parseTextFrame<F>(schema: z.ZodType<F>, text: string): ParsedText<F> {
  if (text.length > MAX_FRAME_BYTES) return { ok: false, code: "frame_too_large", message: "frame too large" };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: "bad_frame", message: "frame is not JSON" };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: "bad_frame", message: "unknown frame or invalid fields" };
  return { ok: true, frame: parsed.data };
}

/**
 * A binary message: body bytes (`end`: they complete the body), or a whole response (`head`: the
 * `res` frame's JSON; null when the frame names its stream but its head cannot be read).
 */
export type BinaryFrame =
  | { kind: "data"; id: number; payload: Uint8Array; end: boolean }
  | { kind: "response"; id: number; head: string | null; payload: Uint8Array };

/** Encodes body bytes of one stream as a binary data frame (payload <= MAX_CHUNK_BYTES); `end` (version 2) ends the body too. */
export function encodeData(id: number, payload: Uint8Array, end = false): Uint8Array {
  const out = new Uint8Array(DATA_HEADER_BYTES + payload.byteLength);
  out[0] = end ? FRAME_KIND_DATA_END : FRAME_KIND_DATA;
  new DataView(out.buffer).setUint32(1, id, false);
  out.set(payload, DATA_HEADER_BYTES);
  return out;
}

/** Encodes a whole response (version 2): its head frame, its body (<= MAX_CHUNK_BYTES) and its end. */
export function encodeResponse(head: Extract<HostToEdgeFrame, { t: "res" }>, payload: Uint8Array): Uint8Array {
  const headBytes = new TextEncoder().encode(JSON.stringify(head));
  const out = new Uint8Array(RESPONSE_HEADER_BYTES + headBytes.byteLength + payload.byteLength);
  const view = new DataView(out.buffer);
  out[0] = FRAME_KIND_RESPONSE;
  view.setUint32(1, head.id, false);
  view.setUint32(DATA_HEADER_BYTES, headBytes.byteLength, false);
  out.set(headBytes, RESPONSE_HEADER_BYTES);
  out.set(payload, RESPONSE_HEADER_BYTES + headBytes.byteLength);
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes a binary frame; null when its header is malformed or its kind unknown. */
export function decodeBinaryFrame(bytes: Uint8Array): BinaryFrame | null {
  if (bytes.byteLength < DATA_HEADER_BYTES || bytes.byteLength > MAX_FRAME_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = view.getUint32(1, false);
  if (id === 0) return null;
  const kind = bytes[0];
  if (kind === FRAME_KIND_DATA || kind === FRAME_KIND_DATA_END)
    return { kind: "data", id, payload: bytes.subarray(DATA_HEADER_BYTES), end: kind === FRAME_KIND_DATA_END };
  if (kind !== FRAME_KIND_RESPONSE) return null;
  const unreadable = { kind: "response" as const, id, head: null, payload: new Uint8Array(0) };
  if (bytes.byteLength < RESPONSE_HEADER_BYTES) return unreadable;
  const headLength = view.getUint32(DATA_HEADER_BYTES, false);
  if (headLength > bytes.byteLength - RESPONSE_HEADER_BYTES) return unreadable;
  try {
    const head = utf8.decode(bytes.subarray(RESPONSE_HEADER_BYTES, RESPONSE_HEADER_BYTES + headLength));
    return { kind: "response", id, head, payload: bytes.subarray(RESPONSE_HEADER_BYTES + headLength) };
  } catch {
    return unreadable;
  }
}

/** Serializes a control frame. Keeps callers from sending unvalidated shapes by type. */
export function encodeText(frame: HostToEdgeFrame | EdgeToHostFrame): string {
  return JSON.stringify(frame);
}
