// `palisade audit verify`: checks an NDJSON audit export against a signed checkpoint, offline.
// The checkpoint's signature is checked with the published public key (a JWKS file or URL), the
// export's chain is recomputed event by event (the canonical form of docs/audit.md), and the
// event at the checkpoint's seq must carry exactly the signed hash: then no event up to there was
// edited, removed or inserted after the checkpoint was signed.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type JSONWebKeySet, compactVerify, createLocalJWKSet } from "jose";
import { z } from "zod";
import { CHECKPOINT_TYPE, CheckpointPayloadSchema } from "../../../workers/audit/checkpoint-format.js";
import { ChainWalker, GENESIS_HASH } from "../../../workers/audit/chain.js";
import type { Io } from "./io.js";

export const AUDIT_USAGE = `usage:
  palisade audit verify --export EVENTS.ndjson --checkpoint CHECKPOINT --keys JWKS
    EVENTS.ndjson  GET /api/v1/orgs/ORG/audit/export?format=ndjson (from the first kept event)
    CHECKPOINT     a file holding the compact JWS, or the JSON of GET …/audit/checkpoints/latest
    JWKS           a file or an https URL (GET /api/v1/audit/checkpoint-keys)
  Exit 0 when the signature, every link and the checkpointed hash verify; 1 when not; 2 on usage.`;

const ExportLineSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  orgId: z.string(),
  ts: z.number().int(),
  actorType: z.string(),
  actorId: z.string(),
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  result: z.string(),
  reason: z.string().nullable(),
  traceId: z.string().nullable(),
  clientTraceId: z.string().nullable().default(null),
  details: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});

class VerifyError extends Error {}

async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
    if (res.type === "opaqueredirect" || (res.status >= 300 && res.status <= 399))
      throw new VerifyError(`${source}: answered a redirect (HTTP ${res.status}); give the final URL`);
    if (!res.ok) throw new VerifyError(`${source}: answered ${res.status}`);
    return res.text();
  }
  return readFile(source, "utf8");
}

function jwsOf(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const parsed = z.object({ jws: z.string() }).safeParse(JSON.parse(trimmed));
    if (!parsed.success) throw new VerifyError("checkpoint: JSON without a 'jws' field");
    return parsed.data.jws;
  }
  return trimmed;
}

export async function auditVerify(args: string[], io: Io): Promise<number> {
  let values: { export?: string | undefined; checkpoint?: string | undefined; keys?: string | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { export: { type: "string" }, checkpoint: { type: "string" }, keys: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`palisade audit verify: ${(error as Error).message}\n\n${AUDIT_USAGE}\n`);
    return 2;
  }
  if (!values.export || !values.checkpoint || !values.keys) {
    io.stderr.write(`palisade audit verify: --export, --checkpoint and --keys are required\n\n${AUDIT_USAGE}\n`);
    return 2;
  }
  try {
    const jwks = JSON.parse(await readSource(values.keys)) as JSONWebKeySet;
    const jws = jwsOf(await readSource(values.checkpoint));
    let payloadBytes: Uint8Array;
    try {
      const verified = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ["EdDSA"] });
      if (verified.protectedHeader.typ !== CHECKPOINT_TYPE) throw new VerifyError("checkpoint: not a Palisade audit checkpoint (typ)");
      payloadBytes = verified.payload;
    } catch (error) {
      if (error instanceof VerifyError) throw error;
      throw new VerifyError(`checkpoint signature does not verify: ${(error as Error).message}`);
    }
    const checkpoint = CheckpointPayloadSchema.parse(JSON.parse(new TextDecoder().decode(payloadBytes)));

    const lines = (await readFile(values.export, "utf8")).split("\n").filter((l) => l.trim() !== "");
    let walker: ChainWalker | null = null;
    let atCheckpoint: string | null = null;
    for (const [index, line] of lines.entries()) {
      let event: z.infer<typeof ExportLineSchema>;
      try {
        event = ExportLineSchema.parse(JSON.parse(line));
      } catch {
        throw new VerifyError(`export line ${index + 1}: not an audit event`);
      }
      if (event.orgId !== checkpoint.orgId)
        throw new VerifyError(`export line ${index + 1}: event of org ${event.orgId}, checkpoint of ${checkpoint.orgId}`);
      if (event.seq > checkpoint.seq) break;
      // The export starts at seq 1 (genesis) or, after retention, at the first kept event.
      walker ??= new ChainWalker(event.seq, event.seq === 1 ? GENESIS_HASH : event.prevHash);
      if (!walker.feed([{ ...event, orgId: event.orgId }])) break;
      if (event.seq === checkpoint.seq) atCheckpoint = event.hash;
    }
    if (walker === null) throw new VerifyError("export holds no event at or before the checkpoint");
    const broken = walker.finish({ seq: checkpoint.seq, hash: checkpoint.hash });
    const rewritten = `event ${checkpoint.seq} does not carry the signed hash: the trail was rewritten after the checkpoint was signed`;
    // A consistent chain that ends on another hash than the signed one was re-chained after signing.
    if (broken?.seq === checkpoint.seq && broken.problem === "hash_mismatch" && broken.id === null) throw new VerifyError(rewritten);
    if (broken) throw new VerifyError(`chain broken at seq ${broken.seq} (${broken.problem.replaceAll("_", " ")})`);
    if (atCheckpoint !== checkpoint.hash) throw new VerifyError(rewritten);
    io.stdout.write(
      `ok: ${walker.checked} events verified up to seq ${checkpoint.seq}, signed ${new Date(checkpoint.signedAt).toISOString()} for org ${checkpoint.orgId}\n`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof VerifyError || error instanceof SyntaxError ? error.message : String(error);
    io.stderr.write(`palisade audit verify: FAILED: ${message}\n`);
    return 1;
  }
}
