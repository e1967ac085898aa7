// Experiments of notebooks 03-mutex and 04-lock-granularity: the article's print race (interleaved
// without a lock in every run, intact with it), its lanes figure, the lock-cost counter job, and a
// lock holder that dies (Python's lock stays held, proclab's is taken over).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  lockCostFigure,
  lockCostTable,
  lockHolderDies,
  measureLockCost,
  printExperiment,
  printExperimentText,
  printLanesFigure,
  pythonLockHolderDies,
} from "proclab";
import { Barrier, runCounterJob } from "proclab/experiments";
import { palette } from "proclab/plots";

const names = (figure) => figure.data.map((trace) => trace.name);

test("without a lock the critical sections interleave in every run", { timeout: 60_000 }, async () => {
  for (const seed of [1, 2, 3, 4]) {
    const result = await printExperiment({ lock: false, seed, repeat: 50 });
    assert.equal(result.total, 2, `seed ${seed}: two critical sections`);
    assert.ok(
      result.intact < result.total,
      `seed ${seed}: expected an interleaved section, got ${result.intact}/${result.total} intact:\n${printExperimentText(result)}`,
    );
    const [a, b] = result.sections;
    assert.ok(b.start < a.end, `seed ${seed}: the two critical sections overlap in time`);
  }
});

test("with the lock every critical section prints intact, one after the other", { timeout: 60_000 }, async () => {
  for (const seed of [1, 2, 3]) {
    const result = await printExperiment({ lock: true, seed, repeat: 50 });
    assert.equal(result.intact, 2, `seed ${seed}:\n${printExperimentText(result)}`);
    assert.equal(result.total, 2);
    const [a, b] = result.sections;
    assert.ok(a.end <= b.start, `seed ${seed}: the second section starts after the first ends`);
    assert.ok(b.requested !== null && b.requested < a.end, `seed ${seed}: the second asked for the lock while the first held it`);
  }
});

test("the print experiment keeps every line: digits, then the article's critical lines", { timeout: 30_000 }, async () => {
  const result = await printExperiment({ processes: 3, repeat: 20, lock: true });
  assert.equal(result.lines.length, 3 * (20 + 2));
  for (const [i, name] of ["task1", "task2", "task3"].entries()) {
    const own = result.lines.filter((line) => line.name === name);
    assert.deepEqual(
      own.filter((line) => !line.critical).map((line) => line.text),
      Array(20).fill(String(i + 1)),
    );
  }
  assert.deepEqual(result.sections.find((s) => s.name === "task2").lines, ["4444444444", "5555555555"]);
  const text = printExperimentText(result);
  assert.match(text, /\[task1\] 1111111111/);
  assert.match(text, /… \d+ digit lines …/);
  assert.match(text, /with the lock: 3 of 3 critical sections intact/);
  assert.equal(text.split("\n").length < 15, true, "the transcript is compact");
});

test("the lanes figure draws critical sections as warm bars unprotected and saturated when locked", { timeout: 30_000 }, async () => {
  const unlocked = printLanesFigure(await printExperiment({ lock: false, repeat: 20 }));
  assert.deepEqual(names(unlocked), ["critical section, unprotected", "digit print (not critical)", "critical line"]);
  assert.equal(unlocked.data[0].marker.color, palette.unprotected);
  assert.match(unlocked.layout.title.text, /^Without a lock, [01] of 2 critical sections printed intact$/);
  const locked = printLanesFigure(await printExperiment({ lock: true, repeat: 20 }));
  assert.deepEqual(names(locked), [
    "waiting for the lock",
    "critical section, holding the lock",
    "digit print (not critical)",
    "critical line",
  ]);
  assert.equal(locked.data[1].marker.color, palette.holding);
  assert.equal(locked.layout.title.text, "With the lock, 2 of 2 critical sections printed intact");
  for (const figure of [unlocked, locked]) {
    assert.ok(figure.layout.xaxis.title.text.includes("ms"));
    assert.ok(figure.caption.length > 0 && figure.text.includes("intact"));
  }
});

test("bad print experiment options are rejected with what was expected", async () => {
  await assert.rejects(printExperiment({ processes: 0 }), /processes must be an integer from 1 to 9, got 0/);
  await assert.rejects(printExperiment({ repeat: 1.5 }), /repeat must be an integer >= 0, got 1.5/);
  assert.throws(() => new Barrier(0), /parties must be a positive integer, got 0/);
});

test("lock cost: proclab's Lock and flock count exactly, with no overlapping holds", { timeout: 60_000 }, async () => {
  const rows = await measureLockCost({ processes: [2], cycles: 100, kinds: ["proclab", "flock"] });
  assert.deepEqual(
    rows.map((r) => r.kind),
    ["proclab", "flock"],
  );
  for (const row of rows) {
    assert.equal(row.counter, 200, `${row.kind}: every increment counted`);
    assert.equal(row.lostUpdates, 0);
    assert.equal(row.overlappingHolds, 0, `${row.kind}: one holder at a time`);
    assert.ok(row.throughput > 0 && row.handoffMedianMs >= 0 && row.maxWaitMs >= row.waitMedianMs);
  }
  assert.equal(rows[1].ratioToFlock, 1);
  assert.ok(rows[0].ratioToFlock > 0);
  const table = lockCostTable(rows);
  assert.match(table, /^lock\s+N\s+acq\/s\s+x flock\s+handoff med ms/);
  const figure = lockCostFigure(rows);
  assert.deepEqual(names(figure), ["proclab", "flock"]);
  assert.match(figure.layout.title.text, /^proclab's Lock: [\d.–]+× flock's throughput$/);
});

test("lock cost: without a lock the counter comes out wrong", { timeout: 60_000 }, async () => {
  const [row] = await measureLockCost({ processes: [4], cycles: 200, kinds: ["none"] });
  assert.notEqual(row.counter, row.acquisitions, `4 unlocked processes x 200 increments ended at ${row.counter}`);
  assert.equal(row.handoffMedianMs, null);
  const figure = lockCostFigure([row]);
  assert.deepEqual(names(figure), ["none (wrong result)"]);
  assert.match(figure.layout.title.text, new RegExp(`no lock: counter ${row.counter}, not 800`));
});

test("an unknown lock kind is rejected before any process starts", async () => {
  await assert.rejects(
    measureLockCost({ kinds: ["spinlock"] }),
    /unknown kind "spinlock"; expected one of proclab, flock, proper-lockfile, none/,
  );
  await assert.rejects(runCounterJob("spinlock", 2, 10, { dir: "/tmp" }), /unknown lock kind "spinlock"/);
});

test("Python's Lock stays held after its holder dies: acquire(timeout) returns False", { timeout: 30_000 }, async () => {
  const killed = await pythonLockHolderDies({ waitS: 0.3 });
  assert.equal(killed.holderExitCode, -9);
  assert.equal(killed.acquired, false);
  assert.ok(killed.waitedMs >= 250, `waited the whole timeout (${killed.waitedMs} ms)`);
  assert.match(killed.text, /returned False/);
  const exited = await pythonLockHolderDies({ waitS: 0.1, death: "exit" });
  assert.equal(exited.holderExitCode, 1);
  assert.equal(exited.acquired, false);
});

test("proclab's Lock is taken over from a holder killed with SIGKILL", { timeout: 30_000 }, async () => {
  const result = await lockHolderDies();
  assert.equal(result.holderExitCode, -9);
  assert.equal(result.recovered, true);
  assert.equal(result.how, "recovered");
  assert.ok(result.recoveredAfterMs >= 0 && result.waitedMs >= result.recoveredAfterMs);
  const acquired = result.events.find((e) => e.type === "lock-acquired" && e.pid === result.waiterPid);
  assert.equal(acquired.data.recoveredFrom, result.holderPid);
  assert.match(result.text, /got it \d+ ms later \(how: recovered\)/);
});
