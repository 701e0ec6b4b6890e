// Attack class: an upstream that echoes the injected credential in a body compressed in an
// encoding the gateway's scrubber does not see through (deflate, raw deflate, stacked or unknown
// encodings), while the agent asked for that encoding itself.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";

const SECRET = "enc-secret-A1b2C3d4E5f6G7h8";
const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

/** What the agent can read: the body decoded by every encoding the answer declares. */
async function agentReads(res: Response): Promise<string> {
  let bytes = new Uint8Array(await res.arrayBuffer());
  const encodings = (res.headers.get("content-encoding") ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)
    .reverse();
  for (const enc of encodings) {
    const format = enc === "deflate" ? "deflate" : enc === "deflate-raw" ? "deflate-raw" : enc === "gzip" || enc === "x-gzip" ? "gzip" : null;
    if (!format) continue;
    try {
      bytes = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format))).arrayBuffer());
    } catch {
      // Not actually in that encoding (already decoded): read as is.
    }
  }
  return new TextDecoder().decode(bytes);
}

beforeAll(async () => {
  org = await seedOrg("encoding");
  await create(org, "credentials", { name: "enc-cred", secret: SECRET, inject: { type: "bearer" } });
  agent = await createAgent(org, { name: "encoder", autonomy: 5 });
  await attachPolicy(
    org,
    { name: "encoded", egress: [{ host: "127.0.0.1", ports: [port], paths: ["/encoded"], credential: "enc-cred", credentialOverHttp: true }] },
    { scope: "agent", id: agent.id },
  );
});

describe("an injected credential never comes back inside an encoded body", () => {
  for (const enc of ["deflate", "deflate-raw", "gzip", "x-gzip", "br", "gzip, deflate", "zstd", "compress"]) {
    for (const acceptEncoding of ["deflate", "gzip, deflate, br, zstd", "identity"]) {
      it(`upstream answers ${enc} (agent asked ${acceptEncoding})`, async () => {
        const res = await exports.default.fetch(
          new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/encoded?enc=${encodeURIComponent(enc)}`, {
            headers: { authorization: `Bearer ${agent.token}`, "accept-encoding": acceptEncoding },
          }),
        );
        const read = await agentReads(res);
        expect(read).not.toContain(SECRET);
        if (res.status !== 200) expect(res.status).toBe(502);
        else expect(read).toContain("seen: ");
        const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=1`)).json()) as Array<{ headers: Record<string, string> }>;
        // The gateway chose the upstream's encodings itself.
        expect(seen[0]?.headers["accept-encoding"]).not.toContain("deflate");
      });
    }
  }
});
