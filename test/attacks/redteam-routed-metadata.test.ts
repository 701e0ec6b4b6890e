// Red team (claim 3): "routed (pool:) hops get metadata/multicast/broadcast checks". Credential-
// serving metadata endpoints the list does not name, reached through a customer's host pool.
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";

const METADATA = [
  // AWS EKS Pod Identity Agent: serves the pod's AWS credentials.
  "http://169.254.170.23/v1/credentials",
  "http://[fd00:ec2::23]/v1/credentials",
  // Tencent Cloud metadata service (name and address).
  "http://metadata.tencentyun.com/latest/meta-data/",
  "http://169.254.0.23/latest/meta-data/",
  // Azure WireServer (extension settings, certificates).
  "http://168.63.129.16/machine?comp=goalstate",
];

describe("redteam: routed hops to metadata endpoints outside the list", () => {
  for (const url of METADATA) {
    it(`refuses ${url} before anything goes to the pool`, async () => {
      const org = await seedOrg("rt-routed");
      const agent = await createAgent(org, { name: "router", autonomy: 5 });
      const host = new URL(url).hostname;
      await attachPolicy(org, { name: "routed", egress: [{ host, route: "pool:inside" }] }, { scope: "agent", id: agent.id });
      const res = await call(`/egress/${url}`, { token: agent.token });
      // 503 unavailable means the destination check passed and only the missing host stopped it.
      expect({ status: res.status, code: res.json?.error?.code }, res.text).toEqual({ status: 403, code: "policy_denied" });
    });
  }
});
