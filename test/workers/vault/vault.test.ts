// Credential vault: AES-256-GCM roundtrip, AAD binding, tampering, key versions and rotation.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/errors.js";
import { loadKeyring } from "../../../workers/vault/keyring.js";
import { decryptSecret, encryptSecret, needsReencrypt, reencryptRecord, rotateRecords, type VaultRecord } from "../../../workers/vault/vault.js";

const KEY_V1 = "v1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
const KEY_V2 = "v2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const KEY_V3 = `v3:${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))}`;
const aad = { orgId: "org_a", credentialId: "cred_1" };
const SECRET = "ghp_example-secret-value-123";

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

const flip = (b64: string, at = 0) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  bytes[at] = (bytes[at] ?? 0) ^ 1;
  return btoa(String.fromCharCode(...bytes));
};

describe("keyring", () => {
  it("reads the Worker secret, first key current", async () => {
    const keyring = await loadKeyring(env.VAULT_KEYS);
    expect(keyring.current).toBe("v2");
    expect([...keyring.keys.keys()]).toEqual(["v2", "v1"]);
  });

  it.each([
    ["empty", ""],
    ["no version", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="],
    ["short key", "v1:c2hvcnQ="],
    ["duplicate version", `${KEY_V1},${KEY_V1}`],
    ["bad version", "key1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="],
  ])("refuses a %s secret without echoing it", async (_label, secret) => {
    const error = await rejection(loadKeyring(secret));
    expect(error.code).toBe("internal");
    if (secret.length > 0) expect(error.message).not.toContain(secret.slice(3, 20));
  });
});

describe("encrypt / decrypt", () => {
  it("roundtrips under the current key with a fresh IV each time", async () => {
    const keyring = await loadKeyring(`${KEY_V2},${KEY_V1}`);
    const a = await encryptSecret(keyring, SECRET, aad);
    const b = await encryptSecret(keyring, SECRET, aad);
    expect(a.keyVersion).toBe("v2");
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ciphertext).not.toContain(SECRET);
    expect(Uint8Array.from(atob(a.iv), (c) => c.charCodeAt(0)).byteLength).toBe(12);
    expect(await decryptSecret(keyring, a, aad)).toBe(SECRET);
    expect(await decryptSecret(keyring, await encryptSecret(keyring, "ünïcødé ✓", aad), aad)).toBe("ünïcødé ✓");
  });

  it.each<[string, (r: VaultRecord) => VaultRecord, typeof aad]>([
    ["tampered ciphertext", (r) => ({ ...r, ciphertext: flip(r.ciphertext, 3) }), aad],
    ["tampered tag", (r) => ({ ...r, ciphertext: flip(r.ciphertext, atob(r.ciphertext).length - 1) }), aad],
    ["tampered iv", (r) => ({ ...r, iv: flip(r.iv) }), aad],
    ["short iv", (r) => ({ ...r, iv: btoa("short") }), aad],
    ["row copied to another org", (r) => r, { orgId: "org_b", credentialId: "cred_1" }],
    ["row copied to another credential", (r) => r, { orgId: "org_a", credentialId: "cred_2" }],
    ["ambiguous id split", (r) => r, { orgId: 'org_a","cred', credentialId: "1" }],
    ["version relabelled", (r) => ({ ...r, keyVersion: "v1" }), aad],
  ])("fails on %s without leaking the secret", async (_label, mutate, useAad) => {
    const keyring = await loadKeyring(`${KEY_V2},${KEY_V1}`);
    const record = await encryptSecret(keyring, SECRET, aad);
    const error = await rejection(decryptSecret(keyring, mutate(record), useAad));
    expect(error.code).toBe("internal");
    expect(JSON.stringify(error.toBody())).not.toContain(SECRET);
  });

  it("fails when the record's key version is not configured", async () => {
    const record = await encryptSecret(await loadKeyring(KEY_V3), SECRET, aad);
    const error = await rejection(decryptSecret(await loadKeyring(`${KEY_V2},${KEY_V1}`), record, aad));
    expect(error.message).toContain("key version");
  });
});

describe("rotation", () => {
  it("re-encrypts old records under the new current key while both keys are configured", async () => {
    const before = await loadKeyring(`${KEY_V2},${KEY_V1}`);
    const rows = [
      { id: "cred_1", aad, record: await encryptSecret(before, SECRET, aad) },
      {
        id: "cred_2",
        aad: { orgId: "org_a", credentialId: "cred_2" },
        record: await encryptSecret(before, "other", { orgId: "org_a", credentialId: "cred_2" }),
      },
    ];
    const after = await loadKeyring(`${KEY_V3},${KEY_V2},${KEY_V1}`);
    expect(needsReencrypt(after, rows[0]!.record)).toBe(true);
    // Reads keep working before rotation runs.
    expect(await decryptSecret(after, rows[0]!.record, aad)).toBe(SECRET);

    const rotated = await rotateRecords(after, rows);
    expect(rotated.map((r) => [r.id, r.rotated.keyVersion])).toEqual([
      ["cred_1", "v3"],
      ["cred_2", "v3"],
    ]);
    expect(await decryptSecret(after, rotated[0]!.rotated, aad)).toBe(SECRET);
    expect(needsReencrypt(after, rotated[0]!.rotated)).toBe(false);
    // Second pass has nothing to do.
    expect(
      await rotateRecords(
        after,
        rotated.map((r) => ({ ...r, record: r.rotated })),
      ),
    ).toEqual([]);
    expect(await reencryptRecord(after, rotated[0]!.rotated, aad)).toBeNull();

    // Once every row is on v3, the old keys can be removed.
    const onlyV3 = await loadKeyring(KEY_V3);
    expect(await decryptSecret(onlyV3, rotated[1]!.rotated, rows[1]!.aad)).toBe("other");
  });
});
