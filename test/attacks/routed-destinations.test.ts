// Attack class: a rule that routes through a customer's host pool skips the destination checks,
// so cloud metadata, multicast and broadcast addresses are reachable "inside the network".
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";

const NEVER = [
  "http://169.254.169.254/latest/meta-data/",
  "http://169.254.170.2/v2/credentials",
  "http://[fd00:ec2::254]/latest/meta-data/",
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://100.100.100.200/latest/meta-data/",
  "http://224.0.0.251/",
  "http://255.255.255.255/",
  "http://[ff02::1]/",
  "http://0.0.0.0/",
];

describe("routed hops get the metadata, multicast and broadcast checks too", () => {
  it("refuses each before anything is sent through the pool (403, not 'no host connected')", async () => {
    const org = await seedOrg("routed");
    const agent = await createAgent(org, { name: "router", autonomy: 5 });
    const hosts = NEVER.map((u) => new URL(u).hostname.replace(/^\[|\]$/g, ""));
    await attachPolicy(
      org,
      { name: "routed", egress: hosts.map((host) => ({ host: host.includes(":") ? `[${host}]` : host, route: "pool:inside" })) },
      { scope: "agent", id: agent.id },
    );
    for (const url of NEVER) {
      const res = await call(`/egress/${url}`, { token: agent.token });
      expect(res.status, `${url}: ${res.text}`).toBe(403);
      expect(res.json.error.code).toBe("policy_denied");
      expect(res.json.error.details?.destination, url).toBeTruthy();
    }
  });

  it("still routes private addresses a rule names (control: reaches the pool step)", async () => {
    const org = await seedOrg("routed-ok");
    const agent = await createAgent(org, { name: "router", autonomy: 5 });
    await attachPolicy(org, { name: "routed", egress: [{ host: "10.1.2.3", route: "pool:inside" }] }, { scope: "agent", id: agent.id });
    const res = await call("/egress/http://10.1.2.3/internal", { token: agent.token });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("unavailable");
  });
});
