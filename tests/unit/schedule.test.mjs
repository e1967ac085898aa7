// Step schedules on real buyer processes: a chosen interleaving gives the same outcome on every
// run; processes that cannot move are reported, never waited for; free runs are recorded and
// replay to their outcome; bad schedules fail before anything runs.
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runRush, scheduleLanesFigure, interleavingText } from "proclab";
import { onEvent } from "proclab/core";
import { freeSteps, recordedInterleaving, ScheduleError } from "proclab/schedule";
import { rushRecording, replayRecording } from "proclab/tickets";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-schedule-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const db = (name) => path.join(dir, `${name}.json`);
const hang = { timeout: 60_000 };
const rush = (options) => runRush({ buyers: 3, tickets: 1, progress: false, db: db(options.strategy ?? "none"), ...options });
const outcomes = (result) => result.trials.map((t) => [t.sold, t.left]);

test("an overselling schedule oversells on every run: ABCABCABC sells 1 ticket 3 times", hang, async () => {
  const result = await rush({ strategy: "none", schedule: "ABCABCABC", trials: 4 });
  assert.deepEqual(outcomes(result), Array(4).fill([3, 0]));
  for (const interleaving of result.interleavings) {
    assert.equal(interleaving.schedule, "ABCABCABC");
    assert.equal(interleaving.problem, null);
    assert.deepEqual(
      interleaving.steps.map((s) => s.value ?? null),
      [1, 1, 1, null, null, null, 0, 0, 0],
      "all read 1, all write 0",
    );
  }
});

test("AABBCC (none) lets every buyer read and think before anyone writes; the rest runs A, B, C", hang, async () => {
  const result = await rush({ strategy: "none", schedule: "AABBCC", trials: 2 });
  assert.deepEqual(outcomes(result), [
    [3, 0],
    [3, 0],
  ]);
  assert.deepEqual(
    result.interleavings.map((i) => i.schedule),
    ["AABBCCABC", "AABBCCABC"],
  );
});

test("a serial schedule never oversells (string and { process, step } list)", hang, async () => {
  const serial = await rush({ strategy: "none", schedule: "AAABC", trials: 3 });
  assert.deepEqual(outcomes(serial), Array(3).fill([1, 0]));
  assert.ok(serial.interleavings.every((i) => i.problem === null));
  const list = [
    { process: "A", step: "read" },
    { process: "A", step: "think" },
    { process: "A", step: "write" },
    { process: "C", step: "read" },
    { process: "B", step: "read" },
  ];
  const listed = await rush({ strategy: "none", schedule: list });
  assert.deepEqual(outcomes(listed), [[1, 0]]);
  assert.equal(listed.interleavings[0].schedule, "AAACB");
  assert.deepEqual(
    listed.interleavings[0].steps.map((s) => `${s.process} ${s.step} ${s.value}`),
    ["A read 1", "A think undefined", "A write 0", "C read 0", "B read 0"],
  );
});

test("asking a finished process is reported, and the rest runs serially", hang, async () => {
  const result = await rush({ strategy: "none", schedule: "AAABBBCCC" });
  assert.deepEqual(outcomes(result), [[1, 0]]);
  assert.match(result.interleavings[0].problem, /step 5 of the schedule \(B\): B has finished/);
  assert.equal(result.interleavings[0].schedule, "AAABC");
});

test("a list entry naming the wrong step is reported with the step the process is at", hang, async () => {
  const result = await rush({ strategy: "none", schedule: [{ process: "A", step: "write" }] });
  assert.match(result.interleavings[0].problem, /A's next step is read, not write/);
});

test("with lock, asking a process blocked on the lock is reported, not waited for", hang, async () => {
  const result = await rush({ strategy: "lock", schedule: "ABAB", trials: 2 });
  assert.deepEqual(outcomes(result), [
    [1, 0],
    [1, 0],
  ]);
  for (const interleaving of result.interleavings) {
    assert.match(interleaving.problem, /step 4 of the schedule \(B\): B is waiting for the lock held by A/);
    assert.equal(interleaving.schedule, "ABAAAABBCCC", "B waited, then got the lock from A (first come, first served)");
  }
});

test("with lock (and the article's lock, and coarse), no schedule oversells", hang, async () => {
  for (const strategy of ["lock", "seed-lock", "coarse"]) {
    const random = await rush({ strategy, buyers: 4, tickets: 2, schedule: "random", seed: 7, trials: 4, workMs: 0 });
    assert.deepEqual(outcomes(random), Array(4).fill([2, 0]), strategy);
    assert.ok(random.interleavings.every((i) => i.source === "random" && i.problem === null));
  }
  const eager = await rush({ strategy: "lock", buyers: 3, schedule: "ABCABCABCABCABC" });
  assert.deepEqual(outcomes(eager), [[1, 0]]);
  assert.match(eager.interleavings[0].problem, /waiting for the lock held by A/);
});

test("a seeded random schedule is printable and replays to the same outcome", hang, async () => {
  const random = await rush({ strategy: "none", buyers: 4, tickets: 2, schedule: "random", seed: 11, trials: 4 });
  const again = await rush({ strategy: "none", buyers: 4, tickets: 2, schedule: "random", seed: 11, trials: 4 });
  assert.deepEqual(
    again.interleavings.map((i) => i.schedule),
    random.interleavings.map((i) => i.schedule),
    "same seed, same schedules",
  );
  const schedules = random.interleavings.map((i) => i.schedule);
  assert.ok(schedules.every((s) => /^[A-D]+$/.test(s)));
  const replay = await rush({ strategy: "none", buyers: 4, tickets: 2, schedule: (trial) => schedules[trial - 1], trials: 4 });
  assert.deepEqual(outcomes(replay), outcomes(random));
});

test("recorded free runs replay to the same outcome (none and lock)", hang, async () => {
  for (const [strategy, trials] of [
    ["none", 12],
    ["lock", 4],
  ]) {
    const free = await runRush({ strategy, trials, seed: 5, progress: false, db: db(`free-${strategy}`) });
    const recording = rushRecording(free);
    assert.ok(recording.runs.every((run) => run.source === "recorded" && run.schedule.length > 0));
    const replay = await replayRecording(recording, { db: db(`replay-${strategy}`), progress: false });
    assert.ok(replay.same, JSON.stringify(replay.runs.filter((r) => !r.same)));
    if (strategy === "none") assert.ok(free.summary.oversoldTrials > 0, "the free runs raced");
  }
});

test("recording: a read that overlapped a write is moved to where the value was the one it read", () => {
  // B's read event came 2 µs after A's write event, but B read 1: it read before the write landed.
  const byProcess = new Map([
    [
      "A",
      [
        { process: "A", step: "read", value: 1, t: 1 },
        { process: "A", step: "write", value: 0, t: 10 },
      ],
    ],
    [
      "B",
      [
        { process: "B", step: "read", value: 1, t: 10.002 },
        { process: "B", step: "write", value: 0, t: 20 },
      ],
    ],
  ]);
  const interleaving = recordedInterleaving(byProcess, 1);
  assert.equal(interleaving.schedule, "ABAB");
  assert.equal(interleaving.problem, null);
});

test("bad schedules get clear errors before anything runs", async () => {
  const cases = [
    [{ strategy: "none", schedule: "AABD" }, /"D" at position 4 names no process; with 3 processes the letters are A, B, C/],
    [{ strategy: "none", schedule: "aabb" }, /"a" at position 1 names no process/],
    [
      { strategy: "none", schedule: "ABAAA" },
      /A is asked for 4 steps, but a process takes at most 3 with strategy none \(read, think, write\)/,
    ],
    [{ strategy: "lock", schedule: "AAAAAA" }, /at most 5 with strategy lock \(acquire, read, think, write, release\)/],
    [{ strategy: "none", schedule: [{ process: "A", step: "jump" }] }, /entry 1: step must be one of read, think, write, got "jump"/],
    [{ strategy: "join", schedule: "AB" }, /strategy join starts each buyer after the previous one ended/],
    [{ strategy: "none", buyers: 27, schedule: "AB" }, /letters A–Z, so it needs 1 to 26 processes, got 27/],
  ];
  for (const [options, message] of cases) {
    const file = db("never-touched");
    await assert.rejects(rush({ ...options, db: file }), (error) => error instanceof ScheduleError && message.test(error.message));
    assert.equal(fs.existsSync(file), false, "db.json untouched");
  }
});

test("free steps only record an event, and cost no waiting", async () => {
  const seen = [];
  const stop = onEvent((event) => event.type === "step" && seen.push(event.data.step));
  await freeSteps.step("read");
  await freeSteps.withLock({ withLock: async (fn) => fn() }, () => freeSteps.step("write"));
  stop();
  assert.deepEqual(seen, ["read", "acquire", "write", "release"]);
});

test("the lanes figure has one lane per process, a mark per step, and db.json after each write", hang, async () => {
  const result = await rush({ strategy: "none", schedule: "ABCABCABC" });
  const figure = scheduleLanesFigure(result.interleavings[0], { tickets: 1, sold: result.trials[0].sold });
  const marks = figure.data.filter((trace) => trace.name !== "db.json after the step");
  assert.equal(
    marks.reduce((n, trace) => n + trace.x.length, 0),
    9,
  );
  assert.deepEqual([...new Set(marks.flatMap((trace) => trace.y))].sort(), ["A", "B", "C"]);
  const dbLane = figure.data.find((trace) => trace.name === "db.json after the step");
  assert.deepEqual(dbLane.text.slice(0, 4), ["1", "0", "0", "0"]);
  assert.match(figure.layout.title.text, /Schedule ABCABCABC: 3 sold of 1 ticket, oversold by 2/);
  assert.equal(figure.text, interleavingText(result.interleavings[0], 1));
  assert.match(figure.text, /write → 0/);
});

test("a run whose tasks ended keeps the process alive until every connected process's end is heard", hang, () => {
  // The pool's "task done" can arrive before the scheduler's "end" (two channels). Awaiting `done`
  // with nothing else to do must not let the event loop run dry in between.
  const script = `
    const { StepScheduler } = require("proclab/schedule");
    const { spawn } = require("node:child_process");
    (async () => {
      const scheduler = await StepScheduler.open();
      const active = scheduler.begin(["A"], { entries: [] });
      const link = active.links[0];
      const client = spawn(process.execPath, ["-e", \`
        const socket = require("node:net").connect(\${JSON.stringify(link.socket)}, () => {
          socket.write(JSON.stringify({ type: "hello", process: "A", run: \${link.run}, pid: process.pid }) + "\\\\n");
          setTimeout(() => socket.end(JSON.stringify({ type: "end" }) + "\\\\n"), 2000);
        });\`], { stdio: "ignore" });
      client.unref();
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the client has said hello
      active.tasksEnded();
      const run = await active.done;
      console.log("done", run.problem);
    })();`;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
  assert.equal(run.stdout.trim(), "done null", run.stderr);
});
