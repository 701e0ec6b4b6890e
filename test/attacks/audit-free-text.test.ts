// Attack class: personal data and secrets smuggled into the audit trail through free text (sandbox
// output tails, host-reported reasons, command lines, request paths). The trail is kept forever
// and read by many; whatever reaches it must come out with e-mails, phone numbers, card numbers,
// IBANs and secrets (short ones included) masked, in the API, in exports and in D1 itself.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { type FakeHost, connectFakeHost, startSandbox } from "../workers/support/fake-host.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

/** Values that must never be stored, whatever field they arrive in. */
const PLANTED = {
  email: "jane.doe@example.com",
  phoneUs: "+1 415 555 0134",
  phoneLocal: "(415) 555-0199",
  phoneUk: "+44 20 7946 0958",
  shortPassword: "hunter2",
  shortToken: "s3cr3t-abc",
  shortApiKey: "abcd1234",
  basicAuth: "dXNlcjpwYXNz",
  urlPassword: "s3cr3tpw",
  awsKey: "AKIAIOSFODNN7EXAMPLE",
  card: "4111 1111 1111 1111",
  iban: "DE89 3704 0044 0532 0130 00",
};

const OUTPUT = [
  "step 1/3: build finished in 3.2s",
  `notifying ${PLANTED.email} and on-call ${PLANTED.phoneUs} / ${PLANTED.phoneLocal} / ${PLANTED.phoneUk}`,
  `DEBUG password=${PLANTED.shortPassword} token: ${PLANTED.shortToken} api_key=${PLANTED.shortApiKey}`,
  `> GET /v1 Authorization: Basic ${PLANTED.basicAuth}`,
  `connecting to postgres://app:${PLANTED.urlPassword}@db.internal/app`,
  `aws ${PLANTED.awsKey} card ${PLANTED.card} iban ${PLANTED.iban}`,
  "step 3/3: done, exit 0",
].join("\n");

async function withSandbox(label: string) {
  const org = await seedOrg(label);
  const host = await connectFakeHost(org);
  hosts.push(host);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "a" } });
  return { org, host, agentId: agent.json.id as string, agentToken: agent.json.token as string };
}

async function eventsOf(org: SeededOrg, action: string): Promise<Array<Record<string, any>>> {
  for (let i = 0; i < 150; i++) {
    const res = await call(`/api/v1/orgs/${org.orgId}/audit?action=${action}&limit=200`, { token: org.apiKey });
    if (res.json.items.length) return res.json.items;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${action} event`);
}

/** Every stored form of the org's trail: API pages, NDJSON and CSV exports, raw D1 rows. */
async function everyStoredForm(org: SeededOrg): Promise<string> {
  const api = await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey });
  const ndjson = await call(`/api/v1/orgs/${org.orgId}/audit/export?format=ndjson`, { token: org.apiKey });
  const csv = await call(`/api/v1/orgs/${org.orgId}/audit/export?format=csv`, { token: org.apiKey });
  const rows = await env.DB.prepare("SELECT * FROM audit_events WHERE org_id = ?").bind(org.orgId).all();
  return [api.text, ndjson.text, csv.text, JSON.stringify(rows.results)].join("\n");
}

function expectNonePlanted(text: string, where: string) {
  for (const [name, value] of Object.entries(PLANTED)) {
    expect(text.includes(value), `${name} (${value}) found in ${where}`).toBe(false);
    // A JSON-escaped or whitespace-free form of the value must not be there either.
    expect(text.includes(value.replaceAll(" ", "")), `${name} without spaces found in ${where}`).toBe(false);
  }
}

describe("attack: PII and secrets in free-text audit fields", () => {
  it("attack: a sandbox prints e-mails, phone numbers and short secrets into its output tail", async () => {
    const { org, host, agentId } = await withSandbox("free-output");
    const { sandboxId } = await startSandbox(org, host, agentId);
    host.report(sandboxId, "running");
    host.report(sandboxId, "exited", { exitCode: 1, durationMs: 40, output: OUTPUT });
    const [exited] = await eventsOf(org, "sandbox.exited");
    const output: string = exited?.details.output;
    // What an auditor needs stays readable; only the values go.
    expect(output).toContain("build finished in 3.2s");
    expect(output).toContain("step 3/3: done, exit 0");
    expect(output).toContain("password=");
    expectNonePlanted(JSON.stringify(exited), "the API view");
    expectNonePlanted(await everyStoredForm(org), "the stored trail");
  });

  it("attack: a host reports a failure reason carrying an e-mail and a password", async () => {
    const { org, host, agentId } = await withSandbox("free-reason");
    const { sandboxId } = await startSandbox(org, host, agentId);
    host.report(sandboxId, "failed", {
      reason: `could not mail ${PLANTED.email} (password=${PLANTED.shortPassword}, call ${PLANTED.phoneUs})`,
      durationMs: 3,
    });
    const [failed] = await eventsOf(org, "sandbox.failed");
    expect(failed?.reason).toContain("could not mail");
    expectNonePlanted(await everyStoredForm(org), "the stored trail");
  });

  it("attack: an admin starts a sandbox whose command line carries credentials", async () => {
    const { org, host, agentId } = await withSandbox("free-command");
    const res = await call(`/api/v1/orgs/${org.orgId}/sandboxes`, {
      method: "POST",
      token: org.apiKey,
      body: {
        agentId,
        pool: "onprem",
        command: [
          "sh",
          "-c",
          `curl -u deploy:${PLANTED.shortPassword} https://ci.internal/ && mail ${PLANTED.email}`,
          "--token",
          PLANTED.shortToken,
          `--api-key=${PLANTED.shortApiKey}`,
          `postgres://app:${PLANTED.urlPassword}@db.internal/app`,
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(host.starts).toHaveLength(1);
    const [started] = await eventsOf(org, "sandbox.start");
    expect(started?.details.command[0]).toBe("sh");
    expectNonePlanted(await everyStoredForm(org), "the stored trail");
  });

  it("attack: an agent requests a URL whose path carries an e-mail and a phone number", async () => {
    const { org, agentToken } = await withSandbox("free-path");
    const res = await call(`/egress/https://api.example.test/users/${PLANTED.email}/call/${encodeURIComponent(PLANTED.phoneUk)}`, {
      token: agentToken,
    });
    expect(res.status).toBe(403);
    const [egress] = await eventsOf(org, "egress.request");
    expect(egress?.details.host).toBe("api.example.test");
    expectNonePlanted(await everyStoredForm(org), "the stored trail");
    expect(await everyStoredForm(org)).not.toContain(encodeURIComponent(PLANTED.phoneUk));
  });
});
