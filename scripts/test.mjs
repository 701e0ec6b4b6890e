#!/usr/bin/env node
// `npm test`: the whole suite runs its two projects at once, as two vitest processes. Vitest runs
// projects with different worker counts one after the other, and they suit different counts: the
// Workers files one at a time (they share the fake provider and egress target, whose request logs
// tests read), the Node files two at a time (mostly waiting on sandboxes, VM boots and Chromium).
// Side by side they take about the longer of the two instead of the sum.
//
// Anything narrower (a file or name filter, --project, watch mode, an option with a separate value)
// goes to vitest unchanged. `--outputFile=F` (JSON reporter) gets one file per project, merged into F.
// Each project's own summary scrolls by in the middle of the other's output, so the failed tests of
// both are listed again at the very end (from JSON reports, written to a temporary file if not asked for),
// followed by each project's own account of its failures (hooks and suites included, which the JSON
// report names no test for), so a log's tail shows why.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { buildDashboard } from "./build-dashboard.mjs";

const PROJECTS = ["node", "workers"];
const FAILURE_LINES = 120;
const ANSI = /\u001b\[[0-9;]*m/g;
const args = process.argv.slice(2);
const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

const wholeSuite = args.every((a) => a.startsWith("--") && !a.startsWith("--project") && a !== "--watch");
if (!wholeSuite) process.exit(await run(["run", ...args], undefined));

// Built once here: the two processes' configs would otherwise both write it at once.
await buildDashboard({ quiet: true });
const reportDir = args.some((a) => a.startsWith("--outputFile")) ? undefined : mkdtempSync(path.join(tmpdir(), "palisade-test-"));
const suiteArgs = reportDir
  ? [
      ...args,
      ...(args.some((a) => a.startsWith("--reporter")) ? [] : ["--reporter=default"]),
      "--reporter=json",
      `--outputFile.json=${reportDir}/vitest.json`,
    ]
  : args;
const outputs = [];
/** Per project, vitest's failure sections (from its "Failed …" / "Unhandled Errors" banner on). */
const failureLines = new Map();
const codes = await Promise.all(
  PROJECTS.map((project) => {
    const own = suiteArgs.map((a) => {
      const m = /^(--outputFile(?:\.json)?=)(.+)$/.exec(a);
      if (!m) return a;
      const file = m[2].replace(/(\.json)?$/, `.${project}$1`);
      outputs.push({ merged: m[2], file });
      return `${m[1]}${file}`;
    });
    return run(["run", "--project", project, ...own], project);
  }),
);
mergeJsonReports(outputs);
const merged = outputs[0]?.merged;
if (merged) printFailures(merged);
for (const [project, { lines }] of failureLines) {
  const shown = lines.slice(0, FAILURE_LINES);
  const more = lines.length - shown.length;
  process.stdout.write(`\n${project}: vitest's failure report\n${shown.join("\n")}\n${more > 0 ? `… ${more} more lines, in the log above\n` : ""}`);
}
for (const [i, code] of codes.entries()) if (code !== 0) process.stdout.write(`${PROJECTS[i]}: vitest exited with code ${code}\n`);
if (reportDir) rmSync(reportDir, { recursive: true, force: true });
process.exit(codes.find((c) => c !== 0) ?? 0);

/** Runs vitest; with a label, its output lines are prefixed so two runs can share the terminal. */
function run(vitestArgs, label) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, ...vitestArgs], {
      stdio: label ? ["ignore", "pipe", "pipe"] : "inherit",
      env: label && process.stdout.isTTY ? { ...process.env, FORCE_COLOR: "1" } : process.env,
    });
    if (label) {
      for (const [from, to] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        readline.createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
          to.write(`[${label}] ${line}\n`);
          keepFailureLine(label, line);
        });
      }
    }
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Keeps a project's lines from vitest's first failure banner up to its closing summary. */
function keepFailureLine(label, line) {
  const plain = line.replace(ANSI, "");
  const kept = failureLines.get(label);
  if (!kept) {
    if (/⎯{3,} (Failed (Tests|Suites)|Unhandled (Errors|Rejection))/.test(plain)) failureLines.set(label, { lines: [plain], open: true });
  } else if (kept.open) {
    if (/^\s*Test Files\s/.test(plain)) kept.open = false;
    else kept.lines.push(plain);
  }
}

/** One JSON report out of the projects' (vitest's JSON reporter format: counts add up, results concatenate). */
function mergeJsonReports(list) {
  for (const merged of new Set(list.map((o) => o.merged))) {
    const parts = list.filter((o) => o.merged === merged);
    const reports = parts.map((p) => {
      try {
        return JSON.parse(readFileSync(p.file, "utf8"));
      } catch {
        return undefined; // a run that crashed before reporting: its exit code already fails the suite
      }
    });
    const present = reports.filter(Boolean);
    if (present.length === 0) continue;
    const out = { ...present[0], testResults: present.flatMap((r) => r.testResults ?? []) };
    for (const [key, value] of Object.entries(out))
      if (typeof value === "number" && key.startsWith("num")) out[key] = present.reduce((s, r) => s + (r[key] ?? 0), 0);
    out.startTime = Math.min(...present.map((r) => r.startTime));
    out.success = reports.every((r) => r?.success === true);
    writeFileSync(merged, JSON.stringify(out));
    for (const p of parts) rmSync(p.file, { force: true });
  }
}

/** The failed tests of a merged JSON report, one line each, with the first line of the failure. */
function printFailures(file) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return;
  }
  const lines = [];
  for (const result of report.testResults ?? []) {
    const name = path.relative(process.cwd(), result.name ?? "");
    const failed = (result.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failed) lines.push(`  ${name} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    if (failed.length === 0 && result.status === "failed") lines.push(`  ${name}: ${firstLine(result.message)}`);
  }
  if (lines.length === 0) return;
  process.stdout.write(`\nFailed tests (both projects):\n${lines.join("\n")}\n`);
}

function firstLine(message) {
  return (
    String(message ?? "")
      .split("\n")
      .find((l) => l.trim()) ?? ""
  )
    .trim()
    .slice(0, 300);
}
