// `proclab rush` and runRush under faults: interrupted by SIGINT / SIGTERM (db.json left valid, the
// results so far and the interrupted trial reported, exit 130 / 143), two rushes on one db.json
// (the second refused, naming the first), a stale claim taken over, a bad db path refused.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readDb, runRush } from "proclab";
import { projectRoot } from "proclab/core";
import { RushConfigError } from "proclab/tickets";

const cli = path.join(projectRoot, "dist", "cli.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-rush-faults-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const slow = { timeout: 90_000 };

/** A folder of its own per test, so that litter is easy to see. */
function folder(name) {
  fs.mkdirSync(path.join(dir, name));
  return path.join(dir, name);
}

/** Starts `proclab rush …` in the background; `started` resolves once its first trial is reported. */
function startRush(args, options = {}) {
  const child = spawn(process.execPath, [cli, "rush", ...args], { stdio: ["ignore", "pipe", "pipe"], ...options });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => (out.stdout += chunk));
  let onTrial;
  const started = new Promise((resolve) => (onTrial = resolve));
  child.stderr.on("data", (chunk) => {
    out.stderr += chunk;
    if (/: trial \d+\//.test(out.stderr)) onTrial();
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, ...out })));
  return { child, started, exited };
}

/** Many short trials whose truncating writes leave db.json empty for 20 ms each: the case that left it empty. */
const longRush = (db) => ["--strategy", "none", "--trials", "100000", "--think", "0", "--work", "0", "--write-ms", "20", "--db", db];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a rush may leave in its folder: db.json and nothing else (no .tmp, no claim). */
function assertNoLitter(where, allowed = ["db.json"]) {
  assert.deepEqual(fs.readdirSync(where).sort(), [...allowed].sort(), `only ${allowed.join(", ")} left in ${where}`);
}

for (const [signal, status] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  test(
    `rush stopped by ${signal} leaves db.json valid, reports the results so far and the interrupted trial, exits ${status}`,
    slow,
    async () => {
      const where = folder(`signal-${signal}`);
      const db = path.join(where, "db.json");
      const rush = startRush(longRush(db));
      await rush.started;
      await sleep(1000);
      rush.child.kill(signal);
      const run = await rush.exited;
      assert.equal(run.signal, null, `the CLI handled ${signal} instead of dying of it: ${run.stderr}`);
      assert.equal(run.code, status, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(`interrupted by ${signal} (during|before) trial \\d+: [1-9]\\d* of 100000 trial\\(s\\) completed`),
      );
      assert.match(run.stdout, /^none\s+7\s+1\s+[1-9]\d*\s/m, "the table of the trials completed");
      assert.match(run.stdout, new RegExp(`${db.replace(/[.]/g, "\\.")}: (left as the last trial ended it|reset to \\{"count":1\\})`));
      assert.match(run.stderr, new RegExp(`proclab rush: ${signal}: stopping`));
      assert.ok(readDb(db).count >= 0, "db.json parses");
      assertNoLitter(where);
    },
  );
}

test(
  "Ctrl-C in a terminal (SIGINT to the whole process group, buyers too): db.json is restored, the trial's stopped buyers reported",
  slow,
  async () => {
    const where = folder("group");
    const db = path.join(where, "db.json");
    const rush = startRush(longRush(db), { detached: true }); // its own process group, like a terminal's foreground job
    await rush.started;
    await sleep(1000);
    process.kill(-rush.child.pid, "SIGINT");
    const run = await rush.exited;
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stdout, /interrupted by SIGINT (during|before) trial \d+/);
    assert.ok(readDb(db).count >= 0, "db.json parses");
    assertNoLitter(where);
  },
);

test("a stop during a long trial stops its buyers after a second instead of waiting for them", slow, async () => {
  const where = folder("long-trial");
  const db = path.join(where, "db.json");
  const rush = startRush(["--strategy", "none", "--trials", "5", "--think", "8000", "--work", "0", "--db", db]);
  await sleep(2500); // the pool is up and trial 1 under way (its buyers think 4–12 s)
  const stoppedAt = Date.now();
  rush.child.kill("SIGTERM");
  const run = await rush.exited;
  assert.equal(run.code, 143, run.stderr);
  assert.ok(Date.now() - stoppedAt < 8000, `stopped in ${Date.now() - stoppedAt} ms`);
  assert.match(run.stdout, /interrupted by SIGTERM (during trial 1: 0 of 5 trial\(s\) completed|before trial 1 began)/);
  if (/during trial 1/.test(run.stdout))
    assert.match(run.stdout, /trial 1 \(interrupted, not counted; [1-7] of 7 buyer\(s\) stopped before they ended\)/);
  assert.ok(readDb(db).count >= 0, "db.json parses");
  assertNoLitter(where);
});

test("a second rush on the same db.json is refused in one line naming the first (pid, start); the first is unharmed", slow, async () => {
  const where = folder("two");
  const db = path.join(where, "db.json");
  const first = startRush(longRush(db));
  await first.started;
  const second = spawnSync(process.execPath, [cli, "rush", "--trials", "3", "--db", db], { encoding: "utf8", timeout: 60_000 });
  first.child.kill("SIGINT");
  const run = await first.exited;
  assert.equal(second.status, 1, second.stderr);
  assert.equal(second.stdout, "");
  assert.match(
    second.stderr,
    new RegExp(
      `^proclab rush: another rush is running on ${db.replace(/[.]/g, "\\.")}: pid ${first.child.pid}, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(\\d+ s ago\\)`,
    ),
  );
  assert.equal(second.stderr.trim().split("\n").length, 1, "one line");
  assert.equal(run.code, 130, run.stderr);
  assert.doesNotMatch(run.stdout, /buyer process\(es\) failed/);
  assertNoLitter(where); // the claim is gone with the rush
  const third = spawnSync(process.execPath, [cli, "rush", "--trials", "1", "--db", db], { encoding: "utf8", timeout: 60_000 });
  assert.equal(third.status, 0, `the db is free again: ${third.stderr}`);
});

test("a claim left by a rush that died (SIGKILL) is taken over", slow, async () => {
  const where = folder("stale");
  const db = path.join(where, "db.json");
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  fs.writeFileSync(`${db}.rush`, JSON.stringify({ pid: Number(dead.stdout), start: 1, since: "2020-01-01T00:00:00.000Z" }));
  const run = spawnSync(process.execPath, [cli, "rush", "--trials", "2", "--db", db], { encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assertNoLitter(where);
});

test("runRush: a second rush in the same process on the same db is refused; with a signal, an abort stops it cleanly", slow, async () => {
  const where = folder("library");
  const db = path.join(where, "db.json");
  const controller = new AbortController();
  let trialDone;
  const firstTrial = new Promise((resolve) => (trialDone = resolve));
  const running = runRush({
    strategy: "none",
    trials: 100_000,
    thinkMs: 0,
    workMs: 0,
    writeMs: 20,
    db,
    progress: false,
    signal: controller.signal,
    onProgress: () => trialDone(),
  });
  await sleep(200);
  await assert.rejects(
    runRush({ trials: 1, db, progress: false }),
    (error) => error.name === "RushBusyError" && new RegExp(`pid ${process.pid} \\(this process\\), started`).test(error.message),
  );
  await firstTrial; // however loaded the machine, at least one trial has ended
  controller.abort("stop");
  const result = await running;
  assert.ok(result.interrupted, "the result says it was interrupted");
  assert.equal(result.interrupted.reason, "stop");
  assert.equal(result.summary.trials, result.trials.length);
  assert.ok(result.trials.length >= 1 && result.trials.length < 100_000);
  assert.match(result.interrupted.db, /^(left as the last trial ended it|reset to \{"count":1\})/);
  assert.ok(readDb(db).count >= 0, "db.json parses");
  assertNoLitter(where);
  const again = await runRush({ trials: 2, db, progress: false }); // no signal: runs to the end, as before
  assert.equal(again.trials.length, 2);
  assert.equal(again.interrupted, undefined);
});

test("runRush refuses a db path that is a folder or a FIFO (RushConfigError on db) before anything runs", async () => {
  const where = folder("bad-db");
  const fifo = path.join(where, "fifo");
  spawnSync("mkfifo", [fifo]);
  for (const [db, message] of [
    [where, /is a folder; expected the ticket database/],
    [fifo, /is a FIFO \(named pipe\); expected the ticket database/],
    [path.join(where, "missing", "db.json"), /folder .*missing does not exist/],
    ["/proc/db.json", /is on \/proc/],
  ]) {
    await assert.rejects(
      runRush({ db, progress: false }),
      (error) => error instanceof RushConfigError && error.field === "db" && message.test(error.message),
    );
  }
  assert.ok(fs.statSync(fifo).isFIFO(), "the FIFO is still a FIFO");
  assertNoLitter(where, ["fifo"]);
});
