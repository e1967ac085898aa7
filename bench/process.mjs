#!/usr/bin/env node
// Start-to-ready of 1 and 7 children: proclab cold (new Process), proclab warm (WorkerPool, barrier),
// and Python multiprocessing fork and spawn measured in the same run. Also the daemon-death latency
// after SIGKILL of its main. Prints a table and writes build/bench/process.json.
// Ready = the child's code is running (its first timestamp), measured from just before start.
// Usage: node bench/process.mjs [--repeat 10]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Process, now, runMain } from "proclab";
import { WorkerPool } from "proclab/process";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, "build", "bench");
const repeatAt = process.argv.indexOf("--repeat");
const repeat = repeatAt > 0 ? Number(process.argv[repeatAt + 1]) : 10;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 100) / 100;

/** Cold: n new Processes; ready = last `start` event. */
async function cold(n) {
  const samples = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = now();
    const procs = Array.from({ length: n }, () => new Process({ target: () => {}, echo: false }));
    procs.forEach((p) => p.start());
    await Promise.all(procs.map((p) => p.join()));
    samples.push(Math.max(...procs.map((p) => p.events.find((e) => e.type === "start").t)) - t0);
  }
  return samples;
}

/** Warm: a run of n tasks on a started pool (barrier, as trials use it); ready = last `task-start`; also the whole run. */
async function warm(n) {
  const pool = new WorkerPool({ size: n, name: "BenchPool" });
  await pool.start();
  const ready = [];
  const roundTrip = [];
  const spread = [];
  for (let r = 0; r < repeat * 3; r++) {
    const t0 = now();
    const results = await pool.run(
      Array.from({ length: n }, () => ({ target: () => {} })),
      { barrier: true },
    );
    roundTrip.push(now() - t0);
    const starts = results.map((res) => res.events.find((e) => e.type === "task-start").t);
    ready.push(Math.max(...starts) - t0);
    spread.push(Math.max(...starts) - Math.min(...starts));
  }
  await pool.close();
  return { ready, roundTrip, spread };
}

/** Python multiprocessing, fork and spawn, same machine and run. */
function python() {
  const script = path.join(os.tmpdir(), `proclab-bench-${process.pid}.py`);
  fs.writeFileSync(
    script,
    `import json, multiprocessing as mp, sys, time
def task(q):
    q.put(time.time())
if __name__ == "__main__":
    out = {}
    for method in ("fork", "spawn"):
        ctx = mp.get_context(method)
        for n in (1, 7):
            samples = []
            for _ in range(${repeat}):
                q = ctx.Queue()
                t0 = time.time()
                ps = [ctx.Process(target=task, args=(q,)) for _ in range(n)]
                for p in ps: p.start()
                ready = max(q.get() for _ in range(n))
                for p in ps: p.join()
                samples.append((ready - t0) * 1000)
            out[f"{method}-{n}"] = samples
    print(json.dumps(out))
`,
  );
  // -I: the script sits in the temp folder, whose other files must not shadow the standard library (a queue.py there did).
  const result = spawnSync("python3", ["-I", script], { encoding: "utf8" });
  fs.rmSync(script, { force: true });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** SIGKILL a main whose daemon child is running; latency = daemon gone (its connection closed) - kill. */
async function daemonDeath() {
  const samples = [];
  for (let r = 0; r < repeat; r++) {
    let killedAt = 0;
    const transcript = await runMain(
      () => {
        const { Process } = require("proclab");
        new Process({
          name: "daemon",
          daemon: true,
          target: () => {
            console.log("daemon up");
            return new Promise(() => setInterval(() => {}, 1000));
          },
        }).start();
        return new Promise(() => setInterval(() => {}, 1000));
      },
      { echo: false, kill: { signal: "SIGKILL", when: (e) => e.type === "print" && e.name === "daemon" && (killedAt = now()) > 0 } },
    );
    const daemon = transcript.lifetimes.find((l) => l.name === "daemon");
    samples.push(daemon.end - killedAt);
  }
  return samples;
}

const rows = [];
const add = (what, n, samples) =>
  rows.push({
    what,
    children: n,
    medianMs: round(median(samples)),
    minMs: round(Math.min(...samples)),
    maxMs: round(Math.max(...samples)),
  });
for (const n of [1, 7]) add("proclab cold (new Process)", n, await cold(n));
const warmStats = {};
for (const n of [1, 7]) {
  warmStats[n] = await warm(n);
  add("proclab warm (WorkerPool.run, barrier)", n, warmStats[n].ready);
  add("  whole run() round trip", n, warmStats[n].roundTrip);
}
const py = python();
for (const method of ["fork", "spawn"]) for (const n of [1, 7]) add(`python multiprocessing ${method}`, n, py[`${method}-${n}`]);
const death = await daemonDeath();
add("daemon death after SIGKILL of main", 1, death);

console.log(`start-to-ready, ${repeat} repeats (${os.cpus().length} cores, node ${process.version})`);
console.table(rows);
console.log(`barrier spread of 7 task starts: median ${round(median(warmStats[7].spread))} ms`);
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(
  path.join(outDir, "process.json"),
  JSON.stringify({ repeat, rows, barrierSpread7Ms: warmStats[7].spread, daemonDeathMs: death }, null, 2) + "\n",
);
console.log(`wrote ${path.relative(root, path.join(outDir, "process.json"))}`);
