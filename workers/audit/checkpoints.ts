// Signed checkpoints of each org's audit chain head, written to R2 on a schedule: a JWS (EdDSA,
// Ed25519 key from the AUDIT_CHECKPOINT_KEY secret) over {orgId, seq, hash}, so anyone holding an
// export and the public key can show the trail was not rewritten after the checkpoint, without
// trusting Palisade's database (`palisade audit verify`, docs/audit.md).
import { CompactSign, type JWK, calculateJwkThumbprint, importJWK } from "jose";
import { z } from "zod";
import { PlatformData } from "../data/platform-data.js";
import { makeDb } from "../data/db.js";
import { AppError } from "../errors.js";
import { auditLog } from "./audit.js";
import { CHECKPOINT_TYPE, type CheckpointPayload } from "./checkpoint-format.js";

const PREFIX = "audit-checkpoints";
const ORGS_PER_PAGE = 100;

const PrivateJwkSchema = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string().min(43), d: z.string().min(43) });

interface SigningKey {
  key: CryptoKey;
  kid: string;
  publicJwk: JWK;
}

let cached: { secret: string; key: Promise<SigningKey> } | null = null;

/** The Ed25519 key of AUDIT_CHECKPOINT_KEY (a private JWK), or null where none is configured. */
export function checkpointKey(env: Env): Promise<SigningKey> | null {
  const secret = env.AUDIT_CHECKPOINT_KEY;
  if (!secret) return null;
  if (cached?.secret !== secret) cached = { secret, key: loadKey(secret) };
  const { key } = cached;
  return key;
}

async function loadKey(secret: string): Promise<SigningKey> {
  let jwk: z.infer<typeof PrivateJwkSchema>;
  try {
    jwk = PrivateJwkSchema.parse(JSON.parse(secret));
  } catch (cause) {
    throw new AppError("internal", "AUDIT_CHECKPOINT_KEY is not an Ed25519 private JWK", { cause });
  }
  const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x: jwk.x };
  const kid = await calculateJwkThumbprint(publicJwk);
  const key = (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as CryptoKey;
  return { key, kid, publicJwk: { ...publicJwk, kid, alg: "EdDSA", use: "sig" } };
}

async function requireKey(env: Env): Promise<SigningKey> {
  const key = checkpointKey(env);
  if (!key) throw new AppError("unavailable", "audit checkpoints are not configured (AUDIT_CHECKPOINT_KEY)");
  return key;
}

/** The public keys checkpoints are signed with, as a JWKS. */
export async function checkpointJwks(env: Env): Promise<{ keys: JWK[] }> {
  return { keys: [(await requireKey(env)).publicJwk] };
}

/** Keys sort newest first (R2 lists in ascending key order): the seq is stored as SEQ_MAX - seq. */
const SEQ_MAX = 999_999_999_999;
const bySeqPrefix = (orgId: string) => `${PREFIX}/${orgId}/seq-`;
const objectKey = (orgId: string, seq: number) => `${bySeqPrefix(orgId)}${String(SEQ_MAX - seq).padStart(12, "0")}.jws`;
const latestKey = (orgId: string) => `${PREFIX}/${orgId}/latest.jws`;

export interface CheckpointRecord {
  seq: number;
  hash: string;
  signedAt: number;
  kid: string;
  jws: string;
}

/**
 * Signs the org's last event stored in D1 and writes it to R2 (by seq, and as latest). Nothing
 * is written when there is no event yet or the latest checkpoint already covers the head.
 */
export async function writeCheckpoint(env: Env, orgId: string): Promise<{ checkpoint: CheckpointRecord | null; written: boolean }> {
  const signer = await requireKey(env);
  const head = await auditLog(env, orgId).flushedHead();
  if (head.seq === 0) return { checkpoint: null, written: false };
  const latest = await readCheckpoint(env, orgId, "latest");
  if (latest && latest.seq >= head.seq) return { checkpoint: latest, written: false };
  const payload: CheckpointPayload = { v: 1, orgId, seq: head.seq, hash: head.hash, signedAt: Date.now() };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", kid: signer.kid, typ: CHECKPOINT_TYPE })
    .sign(signer.key);
  const customMetadata = { seq: String(payload.seq), hash: payload.hash, signedAt: String(payload.signedAt), kid: signer.kid };
  const httpMetadata = { contentType: "application/jose" };
  await env.AUDIT_CHECKPOINTS.put(objectKey(orgId, payload.seq), jws, { customMetadata, httpMetadata });
  await env.AUDIT_CHECKPOINTS.put(latestKey(orgId), jws, { customMetadata, httpMetadata });
  return { checkpoint: { seq: payload.seq, hash: payload.hash, signedAt: payload.signedAt, kid: signer.kid, jws }, written: true };
}

/** One stored checkpoint (`latest` or by seq), or null. */
export async function readCheckpoint(env: Env, orgId: string, which: "latest" | number): Promise<CheckpointRecord | null> {
  const object = await env.AUDIT_CHECKPOINTS.get(which === "latest" ? latestKey(orgId) : objectKey(orgId, which));
  if (!object) return null;
  const meta = object.customMetadata ?? {};
  return { seq: Number(meta.seq), hash: meta.hash ?? "", signedAt: Number(meta.signedAt), kid: meta.kid ?? "", jws: await object.text() };
}

/** The org's checkpoints, newest first (seq, hash, time; the JWS is read one at a time). */
export async function listCheckpoints(env: Env, orgId: string, limit: number, beforeSeq?: number): Promise<Array<Omit<CheckpointRecord, "jws">>> {
  const page = await env.AUDIT_CHECKPOINTS.list({
    prefix: bySeqPrefix(orgId),
    limit,
    include: ["customMetadata"],
    ...(beforeSeq !== undefined ? { startAfter: objectKey(orgId, beforeSeq) } : {}),
  });
  return page.objects.map((o) => {
    const meta = o.customMetadata ?? {};
    return { seq: Number(meta.seq), hash: meta.hash ?? "", signedAt: Number(meta.signedAt), kid: meta.kid ?? "" };
  });
}

/** The scheduled run: a checkpoint for every org whose chain moved since its last one. */
export async function checkpointAllOrgs(env: Env): Promise<{ written: number; failed: number }> {
  if (!checkpointKey(env)) return { written: 0, failed: 0 };
  const platform = new PlatformData(makeDb(env.DB));
  let written = 0;
  let failed = 0;
  let after: string | undefined;
  for (;;) {
    const ids = await platform.orgIdsPage(after, ORGS_PER_PAGE);
    for (const orgId of ids) {
      try {
        if ((await writeCheckpoint(env, orgId)).written) written++;
      } catch (error) {
        failed++;
        console.error("audit checkpoint failed", { orgId, error: String(error) });
      }
    }
    if (ids.length < ORGS_PER_PAGE) break;
    after = ids.at(-1);
  }
  return { written, failed };
}
