// Self and total time per function of a V8 .cpuprofile (node --cpu-prof), largest first.
//   npx tsx scripts/pii-perf/profile-summary.ts <file.cpuprofile> [rows]
import { readFileSync } from "node:fs";
import { z } from "zod";

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
});
const file = process.argv[2];
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [rows]");
const rows = Number(process.argv[3] ?? 40);
const profile = Profile.parse(JSON.parse(readFileSync(file, "utf8")));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const nameOf = (id: number): string => {
  const f = byId.get(id)?.callFrame;
  if (!f) return "?";
  const where = f.url.replace(/^.*\/(workers|scripts|node_modules)\//, "$1/");
  return `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
};
const self = new Map<string, number>();
const total = new Map<string, number>();
for (const id of profile.samples) {
  const name = nameOf(id);
  self.set(name, (self.get(name) ?? 0) + 1);
  // Total: every distinct function on the sample's stack counts once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(nameOf(at));
  for (const n of seen) total.set(n, (total.get(n) ?? 0) + 1);
}
const all = profile.samples.length;
const pct = (n: number) => `${((100 * n) / all).toFixed(1).padStart(5)}%`;
console.log(`samples: ${all}\n\nself:`);
for (const [n, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${pct(c)}  ${n}`);
console.log("\ntotal:");
for (const [n, c] of [...total].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${pct(c)}  ${n}`);
