// `npm run provision` against a stand-in wrangler CLI that keeps an account's resources in a JSON
// file and prints what wrangler 4 prints (the TOML snippet after a create, JSON lists): the script
// creates what is missing, reuses what exists, fills the placeholders and is idempotent.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");

const FAKE_WRANGLER = String.raw`
const fs = require("node:fs");
const file = process.env.FAKE_ACCOUNT;
const account = JSON.parse(fs.readFileSync(file, "utf8"));
const args = process.argv.slice(2);
account.calls.push(args.join(" "));
const save = () => fs.writeFileSync(file, JSON.stringify(account));
const cmd = args.slice(0, 3).join(" ");
if (account.failOn && cmd.startsWith(account.failOn)) { save(); console.error("✘ [ERROR] Authentication error [code: 10000]"); process.exit(1); }
if (cmd === "d1 list --json") console.log(JSON.stringify(account.d1));
else if (cmd.startsWith("d1 create")) {
  const db = { uuid: "6f1c2a3b-1111-4222-8333-944455556666", name: args[2] };
  account.d1.push(db);
  console.log("✅ Successfully created DB '" + db.name + "' in region WEUR\nCreated your new D1 database.\n");
  console.log("To access your new D1 Database in your Worker, add the following snippet to your configuration file:");
  console.log('[[d1_databases]]\nbinding = "palisade"\ndatabase_name = "' + db.name + '"\ndatabase_id = "' + db.uuid + '"');
} else if (cmd === "kv namespace list") console.log(JSON.stringify(account.kv, null, "  "));
else if (cmd.startsWith("kv namespace create")) {
  const ns = { id: "0123456789abcdef0123456789abcdef", title: args[3] };
  account.kv.push(ns);
  console.log('🌀 Creating namespace with title "' + ns.title + '"\n✨ Success!');
  console.log("To access your new KV Namespace in your Worker, add the following snippet to your configuration file:");
  console.log('[[kv_namespaces]]\nbinding = "palisade_CACHE"\nid = "' + ns.id + '"');
} else if (cmd === "r2 bucket list") console.log("Listing buckets...\n" + account.r2.map((b) => "name:           " + b + "\ncreation_date:  2026-01-01T00:00:00.000Z").join("\n\n"));
else if (cmd === "r2 bucket create") { account.r2.push(args[3]); console.log("Creating bucket '" + args[3] + "'...\n✅ Created bucket '" + args[3] + "' with default storage class of Standard."); }
else { console.error("unexpected: " + args.join(" ")); process.exit(2); }
save();
`;

function setup(input: { d1: unknown[]; kv: unknown[]; r2?: string[]; failOn?: string }) {
  const account = { r2: [], ...input };
  const dir = mkdtempSync(path.join(tmpdir(), "palisade-provision-"));
  const config = path.join(dir, "wrangler.toml");
  copyFileSync(path.join(root, "wrangler.toml"), config);
  writeFileSync(path.join(dir, "fake-wrangler.cjs"), FAKE_WRANGLER);
  writeFileSync(path.join(dir, "account.json"), JSON.stringify({ ...account, calls: [] }));
  const run = () =>
    spawnSync(process.execPath, [path.join(root, "scripts/provision.mjs")], {
      encoding: "utf8",
      env: {
        ...process.env,
        WRANGLER_BIN: path.join(dir, "fake-wrangler.cjs"),
        FAKE_ACCOUNT: path.join(dir, "account.json"),
        PALISADE_WRANGLER_CONFIG: config,
      },
    });
  const state = () =>
    JSON.parse(readFileSync(path.join(dir, "account.json"), "utf8")) as { calls: string[]; d1: unknown[]; kv: unknown[]; r2: string[] };
  return { config, run, state };
}

describe("npm run provision", () => {
  it("creates the D1 database and KV namespace, writes their ids, and a second run changes nothing", () => {
    const { config, run, state } = setup({ d1: [], kv: [] });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain("D1 palisade: created 6f1c2a3b-1111-4222-8333-944455556666");
    expect(first.stdout).toContain("KV palisade-CACHE: created 0123456789abcdef0123456789abcdef");
    const toml = readFileSync(config, "utf8");
    expect(toml).toContain('database_id = "6f1c2a3b-1111-4222-8333-944455556666"');
    expect(toml).toContain('id = "0123456789abcdef0123456789abcdef"');
    expect(toml).not.toContain("00000000");

    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(readFileSync(config, "utf8")).toBe(toml);
    expect(first.stdout).toContain("R2 palisade-audit-checkpoints: created");
    expect(second.stdout).toContain("R2 palisade-audit-checkpoints: found");
    expect(state().calls).toEqual([
      "d1 list --json",
      "d1 create palisade",
      "kv namespace list",
      "kv namespace create palisade-CACHE",
      "kv namespace list",
      "kv namespace create palisade-OAUTH_KV",
      "r2 bucket list",
      "r2 bucket create palisade-audit-checkpoints",
      "r2 bucket list",
    ]);
  });

  it("reuses resources that already exist in the account", () => {
    const { config, run, state } = setup({
      d1: [{ uuid: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", name: "palisade" }],
      kv: [
        { id: "ffffffffffffffffffffffffffffffff", title: "palisade-CACHE" },
        { id: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", title: "palisade-OAUTH_KV" },
      ],
      r2: ["palisade-audit-checkpoints"],
    });
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("found aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    expect(readFileSync(config, "utf8")).toContain('id = "ffffffffffffffffffffffffffffffff"');
    expect(readFileSync(config, "utf8")).toContain('id = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"');
    expect(state().calls.some((c) => c.includes("create"))).toBe(false);
  });

  it("stops with wrangler's reason and leaves wrangler.toml untouched when a call fails", () => {
    const { config, run } = setup({ d1: [], kv: [], failOn: "kv namespace list" });
    const before = readFileSync(config, "utf8");
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Authentication error");
    expect(readFileSync(config, "utf8")).toBe(before);
  });
});
