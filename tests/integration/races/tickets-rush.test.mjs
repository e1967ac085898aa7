// runRush on real buyer processes (warm workers, start barrier, seeded think times):
// each strategy's guarantee, counted over enough trials; events; repair of a corrupt db.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runRush, compareStrategies, readDb, resetDb } from "proclab";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-rush-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const db = (name) => path.join(dir, `${name}.json`);
const hang = { timeout: 120_000 };

test("none: 7 buyers oversell 1 ticket in (nearly) every trial", hang, async () => {
  const { summary, trials } = await runRush({ strategy: "none", trials: 50, seed: 1, db: db("none"), progress: false });
  assert.equal(summary.errors, 0);
  assert.ok(summary.oversoldTrials >= 49, `oversold in ${summary.oversoldTrials}/50 trials`);
  for (const trial of trials) assert.equal(trial.oversold, Math.max(0, trial.sold - 1));
});

for (const strategy of ["lock", "coarse", "join"]) {
  test(`${strategy}: never oversells, never tears a read, never corrupts db.json (40 trials)`, hang, async () => {
    const { summary, trials } = await runRush({ strategy, trials: 40, seed: 2, db: db(strategy), progress: false });
    assert.deepEqual(
      { oversold: summary.oversoldTrials, torn: summary.tornReads, corrupt: summary.corruptTrials, errors: summary.errors },
      { oversold: 0, torn: 0, corrupt: 0, errors: 0 },
    );
    for (const trial of trials) assert.deepEqual([trial.sold, trial.left], [1, 0], `trial ${trial.trial}`);
  });
}

test("seed-lock (the article's code): the lock around buy() prevents overselling", hang, async () => {
  const { summary } = await runRush({ strategy: "seed-lock", trials: 40, seed: 3, db: db("seed-lock"), progress: false });
  assert.equal(summary.errors, 0);
  assert.equal(summary.oversoldTrials, 0);
});

// Staggered work (0.5–1.5 × 10 ms) puts some buyers' reads inside others' slow truncating writes.
const tearing = { trials: 20, thinkMs: 0, workMs: 10, writeMs: 5, progress: false };
for (const strategy of ["none", "seed-lock"]) {
  test(`${strategy}: truncate-then-write makes torn reads real — readers catch db.json empty`, hang, async () => {
    const { summary } = await runRush({ ...tearing, strategy, seed: 4, db: db(`torn-${strategy}`) });
    assert.equal(summary.errors, 0);
    assert.ok(summary.tornTrials >= 5, `trials with torn reads: ${summary.tornTrials}/20 (${summary.tornReads} reads)`);
  });
}

test("lock: with the same slow writes, atomic writes mean no reader ever tears", hang, async () => {
  const { summary } = await runRush({ ...tearing, strategy: "lock", seed: 4, db: db("torn-lock") });
  assert.deepEqual([summary.tornReads, summary.oversoldTrials, summary.corruptTrials], [0, 0, 0]);
});

test("each trial records every buyer process's start, read, write, lock wait and hold, and end", hang, async () => {
  const { trials } = await runRush({ strategy: "lock", buyers: 3, tickets: 5, trials: 1, db: db("events"), progress: false });
  const [trial] = trials;
  assert.deepEqual([trial.sold, trial.left, trial.oversold], [3, 2, 0]);
  const pids = new Set(trial.buyers.map((b) => b.pid));
  assert.equal(pids.size, 3, "three distinct buyer processes");
  for (const pid of pids) {
    const types = trial.events.filter((e) => e.pid === pid).map((e) => e.type);
    for (const type of ["task-start", "read", "lock-requested", "lock-acquired", "think", "write", "lock-released", "task-end"]) {
      assert.ok(types.includes(type), `pid ${pid} has ${type}: ${types.join(",")}`);
    }
  }
  const times = trial.events.map((e) => e.t);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    "events in time order",
  );
});

test("join runs buyers one after another, each in its own process", hang, async () => {
  const { trials } = await runRush({ strategy: "join", buyers: 4, trials: 1, db: db("join-order"), progress: false });
  const [trial] = trials;
  assert.equal(new Set(trial.buyers.map((b) => b.pid)).size, 4);
  const spans = trial.buyers.map((b) => {
    const own = trial.events.filter((e) => e.pid === b.pid);
    return [own.find((e) => e.type === "task-start").t, own.find((e) => e.type === "task-end").t];
  });
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `buyer ${i} starts after buyer ${i - 1} ended`);
  assert.deepEqual(
    trial.buyers.map((b) => b.read),
    [1, 0, 0, 0],
  );
});

test("every trial starts from a reset db.json: a corrupt file is repaired, and onProgress sees each trial", hang, async () => {
  const file = db("repair");
  fs.writeFileSync(file, '{"count":9}}');
  const seen = [];
  const { trials } = await runRush({
    strategy: "lock",
    trials: 3,
    tickets: 2,
    db: file,
    progress: false,
    onProgress: (p) => seen.push(p.done),
  });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(
    trials.map((t) => [t.tickets, t.left, t.corrupt]),
    [
      [2, 0, false],
      [2, 0, false],
      [2, 0, false],
    ],
  );
  assert.deepEqual(readDb(file), { count: 0 });
});

test("runRush rejects bad settings before touching db.json", async () => {
  const file = db("untouched");
  await assert.rejects(runRush({ buyers: 0, db: file, progress: false }), /buyers must be an integer from 1 to 64, got 0/);
  await assert.rejects(runRush({ strategy: "mutex", db: file, progress: false }), /unknown strategy "mutex"/);
  assert.equal(fs.existsSync(file), false);
  resetDb(1, file);
});

test("compareStrategies runs every strategy on one set of buyer processes, join still one at a time", hang, async () => {
  const file = db("compare");
  const results = await compareStrategies(["none", "join", "lock"], { buyers: 4, tickets: 1, trials: 2, db: file, progress: false });
  assert.deepEqual(
    results.map((r) => r.config.strategy),
    ["none", "join", "lock"],
  );
  // Buyer i is the same process in every trial of every strategy: started once for the comparison.
  const pidsOf = (r) => r.trials.map((t) => t.buyers.map((b) => b.pid).join(","));
  const first = pidsOf(results[0])[0];
  assert.equal(new Set(first.split(",")).size, 4);
  for (const r of results) assert.deepEqual(pidsOf(r), [first, first], `${r.config.strategy} ran on the same 4 processes`);
  const join = results[1].trials[0];
  const starts = join.buyers.map((b) => join.events.find((e) => e.pid === b.pid && e.type === "task-start").t);
  const ends = join.buyers.map((b) => join.events.find((e) => e.pid === b.pid && e.type === "task-end").t);
  for (let i = 1; i < 4; i++) assert.ok(starts[i] >= ends[i - 1], `join: buyer ${i} starts after buyer ${i - 1} ended`);
  assert.equal(results[1].summary.oversoldTrials, 0);
  assert.equal(results[2].summary.oversoldTrials, 0);
  assert.deepEqual(readDb(file), { count: 0 });
});

test("compareStrategies checks every strategy's settings before any rush starts", async () => {
  const file = db("compare-untouched");
  await assert.rejects(compareStrategies(["none", "mutex"], { db: file, progress: false }), /unknown strategy "mutex"/);
  assert.equal(fs.existsSync(file), false);
});
