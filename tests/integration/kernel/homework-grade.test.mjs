// `proclab grade` end to end with the tslab kernel, on the fixture submissions in
// tests/fixtures/homework (regenerate with make.mjs): the teacher solution scores full marks,
// the stub 0 with reasons, and each wrong solution loses exactly the points it should.
// Two grading runs go in parallel (a folder, and single files one by one) to keep this under ~2 minutes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { dataDir, projectRoot } from "proclab/core";

const cli = path.join(projectRoot, "dist", "cli.js");
const fixtures = path.join(projectRoot, "tests", "fixtures", "homework");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-homework-test-"));
// The grader's scratch folders (proclab-grade-*) go into our own temporary folder, so the
// check for processes left behind sees only this file's grading runs.
const graderTmp = path.join(work, "tmp");
fs.mkdirSync(graderTmp);
// Where a submission's resetDb(777) would land if grading did not give the kernel its own data
// folder: the kernel inherits the grader's environment, which is this process's, so the data
// folder of this test run (PROCLAB_DATA_DIR, as the library resolved it); and the course's data/.
const unisolatedDbs = [...new Set([path.join(dataDir, "db.json"), path.join(projectRoot, "data", "db.json")])];
const dbTexts = () => unisolatedDbs.map((file) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""));
const dbsBefore = dbTexts();

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
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TMPDIR: graderTmp },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const reports = {};
const singleRuns = {};
before(
  async () => {
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
  },
  { timeout: 300_000 },
);

const score = (name) => expected[name].reduce((sum, ok, i) => sum + (ok ? reports[name].tests[i].maxPoints : 0), 0);

for (const name of Object.keys(expected)) {
  test(`${name}: scores ${expected[name].join("")} per test, every lost point with a reason`, () => {
    const report = reports[name];
    assert.deepEqual(
      report.tests.map((t) => (t.passed ? 1 : 0)),
      expected[name],
      JSON.stringify(report.tests, null, 1),
    );
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

test("a submission's resetDb(777) lands in the grader's scratch folder, not in this run's data folder or data/db.json", () => {
  assert.ok(
    dbsBefore.every((text) => !/777/.test(text)),
    `777 was already in ${unisolatedDbs.join(" or ")} before grading`,
  );
  const texts = dbTexts();
  for (const [i, file] of unisolatedDbs.entries()) assert.doesNotMatch(texts[i], /777/, `the forged-pass submission wrote ${file}`);
});

/** Processes working in a folder under ours: the grading kernels and everything they started. */
function leftBehind() {
  return fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readlinkSync(`/proc/${p}/cwd`).startsWith(`${work}/`);
      } catch {
        return false;
      }
    });
}

// After every test of this file, whatever ran last: no grading process is left behind.
after(async () => {
  try {
    for (let i = 0; i < 40 && leftBehind().length > 0; i++) await sleep(50);
    assert.deepEqual(leftBehind(), [], "processes left behind by the grading runs");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
