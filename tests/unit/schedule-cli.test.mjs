// `proclab rush --schedule / --record / --replay`: one JSON object on stdout with the interleavings,
// impossible steps reported with a non-zero exit, bad schedules rejected before db.json is touched.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "proclab/core";

const cli = path.join(projectRoot, "dist", "cli.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-schedule-cli-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const proclab = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 60_000 });
const file = (name) => path.join(dir, name);

test("rush --schedule AABBCC --json: one JSON object, 3 of 1 ticket sold, the schedule that ran", () => {
  const run = proclab(
    "rush",
    "--strategy",
    "none",
    "--buyers",
    "3",
    "--tickets",
    "1",
    "--schedule",
    "AABBCC",
    "--json",
    "--db",
    file("a.json"),
  );
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim().split("\n").length, 1);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(result), ["config", "trials", "summary", "schedules"]);
  assert.deepEqual([result.trials[0].sold, result.trials[0].left, result.trials[0].oversold], [3, 0, 2]);
  assert.deepEqual(result.schedules, [{ source: "schedule", schedule: "AABBCCABC", sold: 3, left: 0, problem: null }]);
});

test("rush --schedule without --json prints the steps as a table with db.json's value", () => {
  const run = proclab("rush", "--strategy", "none", "--buyers", "3", "--schedule", "ABCABCABC", "--db", file("t.json"));
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /schedule ABCABCABC/);
  assert.equal(run.stdout.match(/write → 0/g).length, 3);
});

test("rush --strategy lock --schedule ABAB reports B waiting for A's lock and exits 1", () => {
  const run = proclab("rush", "--strategy", "lock", "--buyers", "3", "--schedule", "ABAB", "--json", "--db", file("l.json"));
  assert.equal(run.status, 1);
  assert.match(run.stderr, /step 4 of the schedule \(B\): B is waiting for the lock held by A/);
  assert.equal(JSON.parse(run.stdout).trials[0].sold, 1);
});

test("rush --record then --replay: every recorded free trial gives its outcome again", () => {
  const recording = file("rec.json");
  const record = proclab("rush", "--strategy", "none", "--trials", "5", "--record", recording, "--json", "--db", file("r.json"));
  assert.equal(record.status, 0, record.stderr);
  const saved = JSON.parse(fs.readFileSync(recording, "utf8"));
  assert.equal(saved.runs.length, 5);
  const replay = proclab("rush", "--replay", recording, "--json", "--db", file("r.json"));
  assert.equal(replay.status, 0, replay.stderr);
  const result = JSON.parse(replay.stdout);
  assert.equal(result.replay.same, true);
  assert.deepEqual(
    result.trials.map((t) => t.sold),
    saved.runs.map((r) => r.sold),
  );
  const conflicting = proclab("rush", "--replay", recording, "--buyers", "4", "--db", file("r.json"));
  assert.equal(conflicting.status, 2);
  assert.match(conflicting.stderr, /--buyers 4 differs from the recording/);
});

for (const [args, message] of [
  [["--buyers", "3", "--schedule", "ABX"], /--schedule: schedule "ABX": "X" at position 3 names no process/],
  [["--buyers", "3", "--schedule", "BBBB"], /--schedule: .*B is asked for 4 steps, but a process takes at most 3/],
  [["--strategy", "join", "--schedule", "AB"], /--schedule: strategy join starts each buyer after the previous one ended/],
  [["--replay", "/nonexistent/recording.json"], /--replay: cannot read recording/],
]) {
  test(`rush ${args.join(" ")} exits 2 with a clear message, before touching db.json`, () => {
    const db = file(`bad-${args.join("")}.json`.replace(/[^\w.-]/g, "_"));
    const run = proclab("rush", ...args, "--db", db);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(fs.existsSync(db), false);
  });
}

test('rush --schedule "" (or blanks) is an error naming the flag, not a free rush', () => {
  for (const schedule of ["", "   "]) {
    const db = file("empty-schedule.json");
    const run = proclab("rush", "--buyers", "3", "--schedule", schedule, "--db", db);
    assert.equal(run.status, 2, run.stderr);
    assert.match(
      run.stderr,
      /--schedule: a schedule needs at least one step \(one letter per step, like "AABB"; with 3 processes the letters are A, B, C\)/,
    );
    assert.equal(fs.existsSync(db), false);
  }
});

test("a 100 000-letter schedule is quoted in 60 letters and its length, not echoed whole", () => {
  for (const [schedule, message] of [
    [`${"AB".repeat(49_999)}CX`, /--schedule: schedule "(AB){30}…" \(100000 characters\): "X" at position 100000 names no process/],
    ["A".repeat(100_000), /--schedule: schedule "A{60}…" \(100000 characters\): A is asked for 100000 steps/],
  ]) {
    const run = proclab("rush", "--buyers", "3", "--schedule", schedule, "--db", file("long-schedule.json"));
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.ok(run.stderr.length < 500, `${run.stderr.length} characters of error`);
  }
});
