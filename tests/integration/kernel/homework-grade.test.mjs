// `proclab grade` end to end with the tslab kernel, on the fixture submissions in
// tests/fixtures/homework (regenerate with make.mjs): the teacher solution scores full marks,
// the stub 0 with reasons, and each wrong solution loses exactly the points it should.
// Two grading runs go in parallel (a folder, and single files one by one) to keep this under ~2 minutes.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "proclab/core";

const cli = path.join(projectRoot, "dist", "cli.js");
const fixtures = path.join(projectRoot, "tests", "fixtures", "homework");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-homework-test-"));
const dbFile = path.join(projectRoot, "data", "db.json");

// Per test, in notebook order: one rush, released on throw, no oversell (hidden), granularity (hidden), daemon gone, worker joined (hidden).
const expected = {
  solution: [1, 1, 1, 1, 1, 1],
  stub: [0, 0, 0, 0, 0, 0],
  "release-before-write": [0, 1, 0, 0, 1, 1],
  "lock-around-everything": [1, 1, 1, 0, 1, 1],
  "no-release-on-error": [1, 0, 1, 1, 1, 1],
  "infinite-loop": [1, 0, 1, 1, 1, 1],
  "forged-pass": [0, 0, 0, 0, 0, 0],
  "tampered-helpers": [0, 0, 0, 0, 0, 0],
  "edited-tests": [0, 0, 0, 0, 0, 0],
};
const inFolder = ["solution", "lock-around-everything", "no-release-on-error", "infinite-loop"];
const oneByOne = [["stub", "--seed", "7"], ["release-before-write"], ["forged-pass"], ["tampered-helpers"], ["edited-tests"]];

function proclab(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const reports = {};
const singleRuns = {};
before(async () => {
  const folder = path.join(work, "folder");
  fs.mkdirSync(folder);
  for (const name of inFolder) fs.copyFileSync(path.join(fixtures, `${name}.ipynb`), path.join(folder, `${name}.ipynb`));
  const folderRun = proclab(["grade", folder, "--json"]).then((run) => {
    assert.equal(run.status, 0, run.stderr);
    for (const s of JSON.parse(run.stdout).submissions) reports[path.basename(s.file, ".ipynb")] = s;
  });
  const singles = (async () => {
    for (const [name, ...flags] of oneByOne) {
      const file = path.join(work, `${name}.ipynb`);
      fs.copyFileSync(path.join(fixtures, `${name}.ipynb`), file);
      const run = await proclab(["grade", file, "--json", ...flags]);
      assert.equal(run.status, 0, run.stderr);
      singleRuns[name] = run;
      reports[name] = JSON.parse(run.stdout);
    }
  })();
  await Promise.all([folderRun, singles]);
}, { timeout: 300_000 });

const score = (name) => expected[name].reduce((sum, ok, i) => sum + (ok ? reports[name].tests[i].maxPoints : 0), 0);

for (const name of Object.keys(expected)) {
  test(`${name}: scores ${expected[name].join("")} per test, every lost point with a reason`, () => {
    const report = reports[name];
    assert.deepEqual(report.tests.map((t) => (t.passed ? 1 : 0)), expected[name], JSON.stringify(report.tests, null, 1));
    assert.equal(report.maxScore, 14);
    assert.equal(report.score, score(name));
    for (const t of report.tests) {
      assert.equal(t.points, t.passed ? t.maxPoints : 0);
      if (!t.passed) assert.ok(t.message.length > 10, `${t.name} lost its points without a reason`);
    }
  });
}

test("--json on one submission prints exactly one JSON object { score, maxScore, tests }", () => {
  const run = singleRuns["release-before-write"];
  assert.equal(run.stdout.trim().split("\n").length, 1);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(report), ["score", "maxScore", "tests"]);
  for (const t of report.tests) assert.deepEqual(Object.keys(t), ["name", "points", "maxPoints", "passed", "message"]);
});

test("the reasons say what went wrong: oversold, lock held during work, lock kept after a throw, timeout", () => {
  assert.match(reports["release-before-write"].tests[0].message, /oversold/);
  assert.match(reports["lock-around-everything"].tests[3].message, /held the lock during its non-critical work/);
  assert.match(reports["no-release-on-error"].tests[1].message, /lock is still held .* finally/);
  assert.match(reports["infinite-loop"].tests[1].message, /timed out after \d+ s/);
  for (const t of reports.stub.tests.slice(0, 5)) assert.match(t.message, /not implemented/);
});

test("the grader reproduces the student's variant: --seed 7 runs 4 buyers for 2 tickets", () => {
  assert.match(reports.stub.tests[0].message, /a rush of 4 buyers for 2 tickets/);
  assert.match(reports["release-before-write"].tests[0].message, /3 tickets/); // seed 1 (default)
});

test("forged pass lines and records score nothing, and are reported as ignored", () => {
  assert.ok(reports["forged-pass"].tests.some((t) => /forged result\(s\) ignored/.test(t.message)));
});

test("feedback files list restored cells and never show hidden test code", () => {
  const edited = fs.readFileSync(path.join(work, "edited-tests.feedback.md"), "utf8");
  assert.match(edited, /"ex1-test-sold" was edited/);
  assert.match(edited, /"ex1-test-release" was deleted/);
  assert.match(edited, /added by the student were not run/);
  for (const file of ["forged-pass", "edited-tests", "stub"]) {
    const md = fs.readFileSync(path.join(work, `${file}.feedback.md`), "utf8");
    assert.match(md, /\*\(hidden test\)\*/);
    assert.doesNotMatch(md, /checkNoOversell\(|checkLockGranularity\(|BEGIN HIDDEN/);
  }
});

test("a submission's resetDb(777) lands in the grader's scratch folder, not data/db.json; no process is left behind", () => {
  // Other test files may write data/db.json meanwhile, but never 777.
  assert.doesNotMatch(fs.existsSync(dbFile) ? fs.readFileSync(dbFile, "utf8") : "", /777/);
  const left = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readlinkSync(`/proc/${p}/cwd`).includes("proclab-grade-");
    } catch {
      return false;
    }
  });
  assert.deepEqual(left, []);
  fs.rmSync(work, { recursive: true, force: true });
});
