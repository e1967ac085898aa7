#!/usr/bin/env node
// `npm run bench -- grading [--submissions 40] [--jobs N]`: grades a generated class (nbgrader
// layout, students s01…, each with their own variant) of correct, wrong and hostile submissions
// of the ticket-rush homework, sandboxed, and reports the wall time and where it went.
// The mix cycles through every fixture in tests/fixtures/homework. Writes build/bench/grading.json.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "proclab/core";

const { values } = parseArgs({
  options: { submissions: { type: "string", default: "40" }, jobs: { type: "string" } },
  allowPositionals: false,
  strict: false,
});
const count = Number(values.submissions);
if (!Number.isInteger(count) || count < 1) throw new Error(`--submissions must be a positive integer, got ${values.submissions}`);
const fixtures = path.join(projectRoot, "tests", "fixtures", "homework");
const kinds = fs
  .readdirSync(fixtures)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-bench-grading-"));
const mix = {};
for (let i = 0; i < count; i++) {
  const kind = kinds[i % kinds.length];
  const student = `s${String(i + 1).padStart(2, "0")}-${path.basename(kind, ".ipynb")}`;
  mix[student] = kind;
  fs.mkdirSync(path.join(root, "submitted", student), { recursive: true });
  fs.copyFileSync(path.join(fixtures, kind), path.join(root, "submitted", student, "ticket-rush.ipynb"));
}
const jobs = values.jobs ?? String(os.cpus().length);
console.log(
  `grading ${count} submissions (${kinds.length} kinds) with --jobs ${jobs}, sandboxed; load before: ${os.loadavg()[0].toFixed(2)}`,
);
const started = performance.now();
const run = await new Promise((resolve) => {
  const child = spawn(process.execPath, [path.join(projectRoot, "dist", "cli.js"), "grade", root, "--json", "--jobs", jobs], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.on("close", (status) => resolve({ status, stdout }));
});
const wallS = (performance.now() - started) / 1000;
if (run.status !== 0) throw new Error(`grade exited ${run.status}`);
const { submissions } = JSON.parse(run.stdout);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const perCell = {};
for (const s of submissions) for (const [cell, ms] of Object.entries(s.timing?.cellsMs ?? {})) (perCell[cell] ??= []).push(ms);
const totals = submissions.map((s) => s.timing?.totalS ?? NaN);
const setups = submissions.map((s) => (s.timing?.setupMs ?? NaN) / 1000);
const testsS = submissions.map((s) => Object.values(s.timing?.cellsMs ?? {}).reduce((a, b) => a + b, 0) / 1000);
console.log(`\n| what | median s per submission |\n|---|--:|`);
console.log(`| whole submission (sandbox start to result) | ${median(totals).toFixed(2)} |`);
console.log(`| sandbox + judge start + teacher setup cell | ${median(setups).toFixed(2)} |`);
console.log(`| test cells | ${median(testsS).toFixed(2)} |`);
for (const [cell, ms] of Object.entries(perCell)) console.log(`| · ${cell} | ${(median(ms) / 1000).toFixed(2)} |`);
const failures = submissions.filter((s) => s.failure);
console.log(
  `\n${count} submissions graded in ${wallS.toFixed(1)} s wall (${(wallS / 60).toFixed(2)} min) with --jobs ${jobs}; ${failures.length} could not be graded; load after: ${os.loadavg()[0].toFixed(2)}`,
);
const byKind = {};
for (const s of submissions) (byKind[mix[s.student]] ??= new Set()).add(s.score);
console.log(
  `scores by kind: ${Object.entries(byKind)
    .map(([k, v]) => `${path.basename(k, ".ipynb")} ${[...v].join("/")}`)
    .join(", ")}`,
);
const out = path.join(projectRoot, "build", "bench");
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "grading.json"), JSON.stringify({ count, jobs: Number(jobs), wallS, submissions, mix }, null, 2));
console.log(`written build/bench/grading.json`);
fs.rmSync(root, { recursive: true, force: true });
