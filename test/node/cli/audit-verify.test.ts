// `palisade audit verify` offline: an NDJSON export chained as the AuditLog chains it, a checkpoint
// signed as the Worker signs it (the test key), the JWKS the edge publishes. Passes on the true
// trail; fails on an edited, dropped or inserted event, another key, another org or another typ.
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { CompactSign, type JWK, calculateJwkThumbprint, importJWK } from "jose";
import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../sandbox-host/src/cli/main.js";
import { GENESIS_HASH, eventHash } from "../../../workers/audit/chain.js";
import { CHECKPOINT_TYPE } from "../../../workers/audit/checkpoint-format.js";
import { testSecrets } from "../../support/secrets.js";

const ORG = "org_01verify";

interface Line {
  seq: number;
  id: string;
  orgId: string;
  ts: number;
  time: string;
  actorType: string;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  result: string;
  reason: string | null;
  traceId: string | null;
  clientTraceId: string | null;
  details: string | null;
  prevHash: string;
  hash: string;
}

function chain(count: number, orgId = ORG): Line[] {
  const out: Line[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const ts = 1_780_000_000_000 + seq;
    const fields = {
      seq,
      id: `aud_${seq}`,
      orgId,
      ts,
      actorType: "agent",
      actorId: "agt_1",
      action: "egress.request",
      resourceType: "url",
      resourceId: `https://api.example.com/v1/${seq}`,
      result: seq % 3 === 0 ? "denied" : "allowed",
      reason: seq % 3 === 0 ? "rule:deny-admin" : null,
      traceId: `tr-${seq}`,
      clientTraceId: seq % 4 === 0 ? `client-${seq}` : null,
      details: seq % 2 === 0 ? '{"status":200}' : null,
      prevHash: prev,
    };
    const hash = eventHash(fields);
    out.push({ ...fields, time: new Date(ts).toISOString(), hash });
    prev = hash;
  }
  return out;
}

async function sign(payload: unknown, jwk: JWK, typ = CHECKPOINT_TYPE) {
  const publicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x as string };
  const kid = await calculateJwkThumbprint(publicJwk);
  const key = await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA");
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: "EdDSA", kid, typ }).sign(key);
  return { jws, jwks: { keys: [{ ...publicJwk, kid, alg: "EdDSA", use: "sig" }] } };
}

let dir: string;
const signingJwk = JSON.parse(testSecrets.AUDIT_CHECKPOINT_KEY) as JWK;

async function verify(lines: Line[], checkpoint: string, jwks: unknown) {
  const exportFile = path.join(dir, `export-${Math.random()}.ndjson`);
  const cpFile = path.join(dir, `cp-${Math.random()}.jws`);
  const keysFile = path.join(dir, `keys-${Math.random()}.json`);
  await writeFile(exportFile, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
  await writeFile(cpFile, checkpoint);
  await writeFile(keysFile, JSON.stringify(jwks));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  stderr.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const code = await main(["audit", "verify", "--export", exportFile, "--checkpoint", cpFile, "--keys", keysFile], { stdout, stderr });
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "palisade-audit-verify-"));
});

describe("palisade audit verify", () => {
  const lines = chain(20);
  const at = lines[14] as Line; // checkpoint at seq 15; the export goes on past it
  const payload = { v: 1, orgId: ORG, seq: at.seq, hash: at.hash, signedAt: 1_780_000_100_000 };

  it("verifies the true trail up to the checkpoint, from a JWS file or the API's JSON answer", async () => {
    const { jws, jwks } = await sign(payload, signingJwk);
    const plain = await verify(lines, jws, jwks);
    expect(plain.err).toBe("");
    expect(plain.code).toBe(0);
    expect(plain.out).toContain("ok: 15 events verified up to seq 15");
    const asJson = await verify(lines, JSON.stringify({ seq: at.seq, hash: at.hash, jws }), jwks);
    expect(asJson.code).toBe(0);
  });

  it("fails on an edited, dropped, inserted or reordered event before the checkpoint", async () => {
    const { jws, jwks } = await sign(payload, signingJwk);
    const edited = lines.map((l) => (l.seq === 6 ? { ...l, result: "allowed", reason: null } : l));
    const dropped = lines.filter((l) => l.seq !== 9);
    const rehashed = chain(20).map((l) => (l.seq === 3 ? { ...l, actorId: "agt_other" } : l));
    // Rewriting an event and re-chaining everything after it still misses the signed hash.
    let prev = GENESIS_HASH;
    const rechained = rehashed.map((l) => {
      const { hash: _old, time, ...fields } = l;
      const next = { ...fields, prevHash: prev };
      const hash = eventHash(next);
      prev = hash;
      return { ...next, time, hash };
    });
    const swapped = [...lines];
    [swapped[4], swapped[5]] = [swapped[5] as Line, swapped[4] as Line];
    for (const [name, tampered, why] of [
      ["edited", edited, "seq 6 (hash mismatch)"],
      ["dropped", dropped, "seq 9 (missing)"],
      ["re-chained", rechained, "does not carry the signed hash"],
      ["swapped", swapped, "seq 5 (missing)"],
    ] as const) {
      const r = await verify(tampered as Line[], jws, jwks);
      expect(r.code, name).toBe(1);
      expect(r.err, name).toContain(why);
    }
  });

  it("fails on a checkpoint signed by another key, for another org, or of another type", async () => {
    const other = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as JWK;
    const { jws: foreign } = await sign(payload, other);
    const { jwks } = await sign(payload, signingJwk);
    const wrongKey = await verify(lines, foreign, jwks);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toContain("signature does not verify");

    const { jws: otherOrg } = await sign({ ...payload, orgId: "org_someone_else" }, signingJwk);
    expect((await verify(lines, otherOrg, jwks)).err).toContain("checkpoint of org_someone_else");

    const { jws: notCheckpoint } = await sign(payload, signingJwk, "JWT");
    expect((await verify(lines, notCheckpoint, jwks)).err).toContain("not a Palisade audit checkpoint");

    const { jws: good } = await sign(payload, signingJwk);
    const [h, , s] = good.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, hash: "0".repeat(64) })).toString("base64url")}.${s}`;
    expect((await verify(lines, forged, jwks)).code).toBe(1);
  });

  it("answers usage errors with exit 2", async () => {
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    expect(await main(["audit", "verify", "--export", "x"], { stdout: new PassThrough(), stderr })).toBe(2);
    expect(err).toContain("--export, --checkpoint and --keys are required");
  });
});
