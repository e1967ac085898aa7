// WorkerPool: warm workers; task i on worker i; barrier; errors; timeouts; close.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { WorkerPool } from "proclab/process";
import { onEvent } from "proclab/core";

const pool = new WorkerPool({ size: 3, name: "TestPool" });
let dir;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-pool-"));
  await pool.start();
});
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true });
});

test("tasks run on distinct warm workers and return values, names and their own events", async () => {
  const results = await pool.run(
    [1, 2, 3].map((n) => ({
      name: `buyer-${n}`,
      args: [n],
      target: (n) => {
        console.log(`I am ${n}`);
        return { n, pid: process.pid };
      },
    })),
  );
  assert.deepEqual(
    results.map((r) => r.value.n),
    [1, 2, 3],
  );
  assert.equal(new Set(results.map((r) => r.pid)).size, 3);
  for (const r of results) {
    assert.equal(r.ok, true);
    assert.equal(r.value.pid, r.pid);
    assert.deepEqual(
      r.events.filter((e) => e.type === "print").map((e) => [e.name, e.data.text]),
      [[r.name, `I am ${r.value.n}\n`]],
    );
  }
  const again = await pool.run([{ target: () => process.pid }]);
  assert.equal(again[0].value, results[0].pid, "the same warm worker serves the next run");
  assert.equal(again[0].name, "task-1");
});

test("a task that throws gives ok:false with the error message; the pool keeps working", async () => {
  const results = await pool.run([
    {
      target: () => {
        throw new Error("sold out");
      },
    },
    { target: async () => 2 },
  ]);
  assert.equal(results[0].ok, false);
  assert.equal(results[0].error, "sold out");
  assert.deepEqual([results[1].ok, results[1].value], [true, 2]);
});

test("with a barrier no task starts before every task is prepared (module loaded, args revived)", async () => {
  const slow = path.join(dir, "slow.js");
  const fast = path.join(dir, "fast.js");
  fs.writeFileSync(
    slow,
    "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); console.log('slow loaded'); exports.go = () => 'slow';\n",
  );
  fs.writeFileSync(fast, "exports.go = () => 'fast';\n");
  const results = await pool.run(
    [{ target: { module: slow, export: "go" } }, { target: { module: fast, export: "go" } }, { target: { module: fast, export: "go" } }],
    { barrier: true },
  );
  const loaded = results[0].events.find((e) => e.type === "print").t;
  const starts = results.map((r) => r.events.find((e) => e.type === "task-start").t);
  assert.deepEqual(
    results.map((r) => r.value),
    ["slow", "fast", "fast"],
  );
  for (const start of starts) assert.ok(start > loaded, "every task started after the slow one finished preparing");
});

test("without a barrier tasks start as soon as their worker is ready", async () => {
  const slow = path.join(dir, "slow2.js");
  fs.writeFileSync(
    slow,
    "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); console.log('slow loaded'); exports.go = () => 'slow';\n",
  );
  const results = await pool.run([{ target: { module: slow, export: "go" } }, { target: () => "fast" }]);
  const loaded = results[0].events.find((e) => e.type === "print").t;
  assert.ok(results[1].events.find((e) => e.type === "task-start").t < loaded);
});

test("a task over its timeout has its worker killed and replaced, and is reported", async () => {
  const results = await pool.run([{ name: "stuck", target: () => new Promise(() => {}) }, { target: () => "done" }], { timeoutMs: 300 });
  assert.equal(results[0].ok, false);
  assert.match(results[0].error, /task stuck timed out after 300 ms; its worker \(pid \d+\) was killed and replaced/);
  assert.equal(results[1].value, "done");
  const next = await pool.run([{ target: () => process.pid }]);
  assert.equal(next[0].ok, true);
  assert.notEqual(next[0].value, results[0].pid, "a new worker took the killed one's place");
});

test("a worker that exits during its task is reported and replaced", async () => {
  const results = await pool.run([{ target: () => process.exit(4) }]);
  assert.match(results[0].error, /exited during the task \(code 4/);
  assert.equal((await pool.run([{ target: () => 1 }]))[0].value, 1);
});

/** Resolves once `pid` is gone (killed and reaped), so the pool has seen its worker exit. */
async function gone(pid) {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(25);
  }
  throw new Error(`pid ${pid} still running`);
}

const ownPid = () => process.pid;

test("a worker that died while idle (SIGKILL between runs) is replaced at the next run; nothing throws", { timeout: 20_000 }, async () => {
  const small = new WorkerPool({ size: 2, name: "IdleDeath" });
  await small.start();
  try {
    const before = (await small.run([{ target: ownPid }, { target: ownPid }])).map((r) => r.value);
    process.kill(before[0], "SIGKILL");
    await gone(before[0]);
    await sleep(50); // the pool has seen its exit and its channel close
    const after = await small.run([{ target: ownPid }, { target: ownPid }]);
    assert.deepEqual(
      after.map((r) => [r.ok, r.error]),
      [
        [true, undefined],
        [true, undefined],
      ],
    );
    assert.notEqual(after[0].value, before[0], "a new worker took the dead one's place");
    assert.equal(after[0].pid, after[0].value);
    assert.equal(after[1].value, before[1], "the live worker is kept");
    const third = await small.run([{ target: ownPid }]);
    assert.equal(third[0].value, after[0].value, "the replacement stays in the pool");
  } finally {
    await small.close();
  }
});

test(
  "workers killed during a run, one running a task and one idle, do not crash the process; the other task finishes",
  { timeout: 20_000 },
  async () => {
    const small = new WorkerPool({ size: 3, name: "RunDeath" });
    await small.start();
    const go = path.join(dir, "go-run-death");
    try {
      const pids = (await small.run([{ target: ownPid }, { target: ownPid }, { target: ownPid }])).map((r) => r.value);
      const run = small.run([
        { name: "doomed", target: () => new Promise(() => setTimeout(() => {}, 1e9)) },
        {
          name: "survivor",
          args: [go],
          target: (file) =>
            new Promise((resolve) => {
              const poll = setInterval(() => {
                if (require("node:fs").existsSync(file)) {
                  clearInterval(poll);
                  resolve(process.pid);
                }
              }, 10);
            }),
        },
      ]);
      await sleep(100);
      process.kill(pids[0], "SIGKILL"); // running "doomed"
      process.kill(pids[2], "SIGKILL"); // idle: not part of this run
      await Promise.all([gone(pids[0]), gone(pids[2])]);
      fs.writeFileSync(go, "");
      const results = await run;
      assert.equal(results[0].ok, false);
      assert.match(
        results[0].error,
        /the worker \(pid \d+\) of task doomed exited during the task \(code null, signal SIGKILL\); it was replaced/,
      );
      assert.deepEqual([results[1].ok, results[1].value], [true, pids[1]]);
      const next = await small.run([{ target: ownPid }, { target: ownPid }, { target: ownPid }]);
      assert.deepEqual(
        next.map((r) => r.ok),
        [true, true, true],
      );
      assert.notEqual(next[0].value, pids[0]);
      assert.equal(next[1].value, pids[1]);
      assert.notEqual(next[2].value, pids[2]);
    } finally {
      await small.close();
    }
  },
);

test("misuse is rejected: more tasks than workers, bad args, an unstarted pool", async () => {
  await assert.rejects(() => pool.run([1, 2, 3, 4].map(() => ({ target: () => {} }))), /has 3 workers, got 4 tasks/);
  await assert.rejects(() => pool.run([{ target: () => {}, args: [() => {}] }]), /args\[0\] is a function/);
  await assert.rejects(() => new WorkerPool({ size: 1 }).run([]), /is not started/);
  assert.throws(() => new WorkerPool({ size: 0 }), /size must be a positive integer, got 0/);
});

test("echo prints the tasks' output in time order, prefixed by task name", async () => {
  const printed = [];
  const original = console.log;
  console.log = (line) => printed.push(line);
  try {
    await pool.run([{ name: "a", target: () => console.log("from a") }], { echo: true });
  } finally {
    console.log = original;
  }
  assert.deepEqual(printed, ["[a] from a"]);
});

test("close() leaves no worker running", async () => {
  const small = new WorkerPool({ size: 2 });
  await small.start();
  const pids = (await small.run([{ target: () => process.pid }, { target: () => process.pid }])).map((r) => r.value);
  await small.close();
  await sleep(50);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test("a pool whose worker cannot start rejects, naming it, and leaves none of its other workers running", async () => {
  // A preload that makes exactly one of the four starting workers exit; the others record their pids.
  const preload = path.join(dir, "one-fails.cjs");
  const pidsFile = path.join(dir, "started-pids");
  fs.writeFileSync(
    preload,
    `const fs = require("node:fs");
try { fs.writeFileSync(${JSON.stringify(path.join(dir, "failed-one"))}, "", { flag: "wx" }); process.exit(3); }
catch { fs.appendFileSync(${JSON.stringify(pidsFile)}, process.pid + "\\n"); }`,
  );
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ""} --require ${preload}`;
  const doomed = new WorkerPool({ size: 4, name: "Doomed" });
  try {
    await assert.rejects(doomed.start(), /pool Doomed: a worker exited while starting \(code 3/);
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
  const pids = fs.readFileSync(pidsFile, "utf8").trim().split("\n").map(Number);
  assert.equal(pids.length, 3, "the three other workers had started");
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} still runs`);
  await assert.rejects(doomed.run([{ target: () => 1 }]), /is not started/);
});

test("a task's events reach the parent as they happen, and stay in its result when it times out", { timeout: 30_000 }, async () => {
  const pool = new WorkerPool({ size: 1 });
  await pool.start();
  const seen = [];
  const stop = onEvent((event) => event.type === "print" && seen.push(event.data.text));
  try {
    const [result] = await pool.run(
      [
        {
          name: "stuck",
          target: async () => {
            console.log("before the hang");
            await new Promise(() => setInterval(() => {}, 1000));
          },
        },
      ],
      { timeoutMs: 600 },
    );
    assert.equal(result.ok, false);
    assert.match(result.error, /timed out after 600 ms/);
    assert.deepEqual(
      result.events.filter((e) => e.type === "print").map((e) => e.data.text),
      ["before the hang\n"],
    );
    assert.ok(
      result.events.some((e) => e.type === "task-start"),
      "task-start arrived before the timeout",
    );
    assert.deepEqual(seen, ["before the hang\n"], "the parent's listeners heard the print once, though the task never ended");
  } finally {
    stop();
    await pool.close();
  }
});

test("workers chooses which worker runs each task; a bad choice is refused before any task runs", async () => {
  const alone = (name) => ({ name, target: () => process.pid });
  const [on2] = await pool.run([alone("third")], { workers: [2] });
  const [on0, on1] = await pool.run([alone("first"), alone("second")]);
  assert.equal(new Set([on0.value, on1.value, on2.value]).size, 3, "worker 2 is neither worker 0 nor worker 1");
  const [again] = await pool.run([alone("third again")], { workers: [2] });
  assert.equal(again.value, on2.value, "the same worker takes the task again");
  const bad = [
    [1, [3]], // no such worker
    [2, [1, 1]], // one worker for two tasks
    [2, [0]], // fewer workers than tasks
    [1, [-1]],
    [1, [0.5]],
  ];
  for (const [tasks, workers] of bad)
    await assert.rejects(
      pool.run(
        Array.from({ length: tasks }, (_, i) => alone(`t${i}`)),
        { workers },
      ),
      /workers must name \d+ distinct worker\(s\) among 0…2, one per task/,
      JSON.stringify(workers),
    );
});

test("under a start barrier, tasks on chosen workers are released together (a task's readiness is its own)", async () => {
  const stamp = (name) => ({ name, target: () => ({ pid: process.pid, at: Date.now() }) });
  const [alone] = await pool.run([stamp("alone")], { barrier: true, workers: [2], timeoutMs: 10_000 });
  assert.equal(alone.ok, true, alone.error);
  const swapped = await pool.run([stamp("a"), stamp("b")], { barrier: true, workers: [1, 0], timeoutMs: 10_000 });
  assert.deepEqual(
    swapped.map((r) => r.ok),
    [true, true],
  );
  assert.notEqual(swapped[0].value.pid, swapped[1].value.pid);
});
