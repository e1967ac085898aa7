#!/usr/bin/env node
// The counter job (N processes x CYCLES lock / read+increment+write a counter file / unlock),
// run under: proclab's Lock, raw proper-lockfile polling every 1 ms, flock(2) from C, and no lock.
// Prints a table and writes build/bench/lock.json. Usage: node bench/lock.mjs [--cycles 1000] [--n 2,4,8] [--dir folder]
// --dir: where the lock and counter files live (default build/bench/, on the project's disk; try /dev/shm).
// Handoff = gap between one release and the next acquisition (any process); wait = acquire - request.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const outDir = path.join(root, "build", "bench");

if (process.argv[2] === "--worker") await worker(...process.argv.slice(3));
else await main();

// ---------------------------------------------------------------- one worker process
async function worker(kind, counter, lockPath, cyclesText) {
  const { now } = await import("proclab");
  const cycles = Number(cyclesText);
  const take = await locker(kind, lockPath);
  const times = new Float64Array(cycles * 3);
  process.stdout.write("ready\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  for (let i = 0; i < cycles; i++) {
    times[3 * i] = now();
    const release = await take();
    times[3 * i + 1] = now();
    fs.writeFileSync(counter, String(Number(fs.readFileSync(counter, "utf8")) + 1));
    times[3 * i + 2] = now();
    await release();
  }
  process.stdout.write(JSON.stringify(Array.from(times)) + "\n");
  process.stdin.destroy();
}

/** Returns `take()`: acquires the lock and resolves to its release function. */
async function locker(kind, lockPath) {
  if (kind === "proclab") {
    const { Lock } = await import("proclab");
    const lock = new Lock(lockPath);
    const release = () => lock.release();
    return async () => (await lock.acquire(), release);
  }
  if (kind === "proper-lockfile") {
    const { default: lockfile } = await import("proper-lockfile");
    const options = { realpath: false, retries: { forever: true, minTimeout: 1, maxTimeout: 1, factor: 1 } };
    return () => lockfile.lock(lockPath, options);
  }
  if (kind === "none") return async () => () => {};
  throw new Error(`bench/lock: unknown worker kind ${JSON.stringify(kind)}`);
}

// ---------------------------------------------------------------- the parent
async function main() {
  const cycles = Number(option("--cycles", "1000"));
  const ns = option("--n", "2,4,8").split(",").map(Number);
  const workDir = path.resolve(option("--dir", outDir));
  fs.mkdirSync(outDir, { recursive: true });
  const flockBin = compileFlock();
  const kinds = ["flock-c", "proclab", "proper-lockfile", "none"];
  const results = [];
  const started = Date.now();
  for (const n of ns) {
    for (const kind of kinds) {
      const result = await runJob(kind, n, cycles, flockBin, workDir);
      results.push(result);
      process.stderr.write(`  ${kind} N=${n}: ${result.throughput.toFixed(0)}/s\n`);
    }
  }
  for (const r of results) {
    const flock = results.find((f) => f.kind === "flock-c" && f.n === r.n);
    r.ratioToFlock = r.throughput / flock.throughput;
  }
  printTable(results);
  const file = path.join(outDir, workDir === outDir ? "lock.json" : `lock-${path.basename(workDir)}.json`);
  const os = await import("node:os");
  const machine = { cpus: os.cpus().length, loadavg: os.loadavg(), node: process.version };
  fs.writeFileSync(file, JSON.stringify({ cycles, workDir, machine, results }, null, 2) + "\n");
  console.log(`\nwritten ${path.relative(root, file)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function compileFlock() {
  const bin = path.join(outDir, "flock-counter");
  const source = path.join(here, "flock-counter.c");
  const made = spawnSync("gcc", ["-O2", "-o", bin, source], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`bench/lock: gcc failed on ${source}: ${made.error?.message ?? made.stderr}`);
  return bin;
}

/** Starts N workers, releases them together once all are ready, collects their times. */
async function runJob(kind, n, cycles, flockBin, workDir) {
  const dir = path.join(workDir, `proclab-bench-${kind}-${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const counter = path.join(dir, "counter");
  const lockPath = path.join(dir, "lock");
  fs.writeFileSync(counter, "0");
  fs.writeFileSync(lockPath, "");
  const workers = Array.from({ length: n }, () =>
    kind === "flock-c"
      ? spawn(flockBin, [counter, lockPath, String(cycles)], { cwd: root })
      : spawn(process.execPath, [fileURLToPath(import.meta.url), "--worker", kind, counter, lockPath, String(cycles)], { cwd: root }),
  );
  const outputs = workers.map(collect);
  await Promise.all(outputs.map((o) => o.ready));
  for (const w of workers) w.stdin.write("go\n");
  const texts = await Promise.all(outputs.map((o) => o.done));
  const holds = texts.flatMap((text, proc) => parseTimes(kind, text).map(([req, acq, rel]) => ({ proc, req, acq, rel })));
  const final = Number(fs.readFileSync(counter, "utf8"));
  fs.rmSync(dir, { recursive: true, force: true });
  return summarise(kind, n, cycles, holds, final);
}

function collect(child) {
  let out = "";
  let err = "";
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  child.stdout.on("data", (chunk) => {
    out += chunk;
    if (out.includes("ready\n")) onReady();
  });
  child.stderr.on("data", (chunk) => (err += chunk));
  const done = new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(out.slice(out.indexOf("ready\n") + 6)) : reject(new Error(`worker exited with ${code}: ${err}`)))),
  );
  done.catch(() => onReady());
  return { ready, done };
}

function parseTimes(kind, text) {
  if (kind === "flock-c") return text.trim().split("\n").map((line) => line.split(" ").map(Number));
  const flat = JSON.parse(text);
  const triples = [];
  for (let i = 0; i < flat.length; i += 3) triples.push(flat.slice(i, i + 3));
  return triples;
}

function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

function summarise(kind, n, cycles, holds, final) {
  const expected = n * cycles;
  const elapsedMs = Math.max(...holds.map((h) => h.rel)) - Math.min(...holds.map((h) => h.req));
  const waits = holds.map((h) => h.acq - h.req).sort((a, b) => a - b);
  const byAcq = [...holds].sort((a, b) => a.acq - b.acq);
  const gaps = [];
  let overlaps = 0;
  let crossProcess = 0;
  for (let i = 1; i < byAcq.length; i++) {
    gaps.push(byAcq[i].acq - byAcq[i - 1].rel);
    if (byAcq[i].acq < byAcq[i - 1].rel) overlaps++;
    if (byAcq[i].proc !== byAcq[i - 1].proc) crossProcess++;
  }
  gaps.sort((a, b) => a - b);
  const locked = kind !== "none";
  return {
    kind,
    n,
    acquisitions: expected,
    elapsedMs,
    throughput: (expected / elapsedMs) * 1000,
    handoffMedianMs: locked ? quantile(gaps, 0.5) : null,
    handoffP99Ms: locked ? quantile(gaps, 0.99) : null,
    crossProcessShare: locked ? crossProcess / gaps.length : null,
    waitMedianMs: quantile(waits, 0.5),
    maxWaitMs: waits[waits.length - 1],
    overlappingHolds: locked ? overlaps : null,
    counter: final,
    lostUpdates: expected - final,
  };
}

function printTable(results) {
  const header = ["lock", "N", "acq/s", "x flock", "handoff med ms", "handoff p99 ms", "x-proc", "max wait ms", "overlaps", "lost updates"];
  const fmt = (v, d) => (v === null ? "-" : v.toFixed(d));
  const rows = results.map((r) => [
    r.kind, String(r.n), fmt(r.throughput, 0), fmt(r.ratioToFlock, 2), fmt(r.handoffMedianMs, 3), fmt(r.handoffP99Ms, 3),
    fmt(r.crossProcessShare === null ? null : r.crossProcessShare * 100, 0) + (r.crossProcessShare === null ? "" : "%"),
    fmt(r.maxWaitMs, 1), r.overlappingHolds === null ? "-" : String(r.overlappingHolds), `${r.lostUpdates} / ${r.acquisitions}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => "| " + cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  console.log(line(header));
  console.log("|" + widths.map((w, i) => (i < 1 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
  for (const row of rows) console.log(line(row));
}
