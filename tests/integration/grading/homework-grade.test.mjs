// `proclab grade` end to end on the fixture submissions in tests/fixtures/homework (regenerate
// with make.mjs): honest ones score exactly what their code deserves, hostile ones cannot raise
// their score, read the hidden tests, change the project, or leave a process behind.
// One batch (nbgrader layout, two at a time) grades them all; a second run grades after it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { projectRoot } from "proclab/core";
import { homeworkVariant, environmentSeed } from "proclab/homework";
import { sandboxProblem } from "proclab/grading";

// Without bubblewrap the grader refuses to run (that refusal is the feature); on a student's
// machine the file is skipped with the reason, in CI it fails.
const problem = sandboxProblem();
const skip = problem !== null && !process.env.CI ? `grading needs bubblewrap here: ${problem}` : false;

const cli = path.join(projectRoot, "dist", "cli.js");
const fixtures = path.join(projectRoot, "tests", "fixtures", "homework");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-homework-test-"));
// The grader's scratch folders go into our own temporary folder, so the check for processes
// left behind sees only this file's grading runs.
const graderTmp = path.join(work, "tmp");
fs.mkdirSync(graderTmp);

// Per test, in notebook order: one rush, released on throw, no oversell (hidden), granularity (hidden), daemon gone, worker joined (hidden).
const expected = {
  solution: [1, 1, 1, 1, 1, 1],
  stub: [0, 0, 0, 0, 0, 0],
  "release-before-write": [0, 1, 0, 0, 1, 1],
  "lock-around-everything": [1, 1, 1, 0, 1, 1],
  "no-release-on-error": [1, 0, 1, 1, 1, 1],
  "infinite-loop": [1, 0, 1, 1, 1, 1],
  "forged-pass": [0, 0, 0, 0, 0, 0],
  // Forges the library's evidence (lock, work and process reports); scored on what the referee and the kernel saw.
  // Its rush is right (a lock of its own), its lock is not the one given, its "daemon" a non-daemon that outlives main.
  "forged-evidence": [1, 0, 1, 0, 0, 0],
  "forged-report": [0, 0, 0, 0, 0, 0],
  "forged-threads": [0, 0, 0, 0, 0, 0],
  // From the adversarial review: a heartbeat that stops by itself; the grader's process checker
  // killed; pids used up so that a leftover lies beyond what the watch looked at.
  "self-ending-heartbeat": [0, 0, 0, 0, 0, 0],
  "kill-helper": [0, 0, 0, 0, 0, 0],
  "pid-burst": [0, 0, 0, 0, 0, 0],
  "tampered-helpers": [0, 0, 0, 0, 0, 0],
  "edited-tests": [0, 0, 0, 0, 0, 0],
  shadowed: [0, 0, 0, 0, 0, 0],
  exfiltrate: [0, 0, 0, 0, 0, 0],
  tamper: [0, 0, 0, 0, 0, 0],
  "memory-hog": [0, 0, 0, 0, 1, 1],
  "fork-storm": [0, 0, 0, 0, 0, 0],
  // Its main leaves a process running after it ends (an orphan in a session of its own): the grader sees it.
  detached: [0, 0, 0, 0, 0, 0],
  "output-flood": [0, 0, 0, 0, 0, 0],
  inspector: [0, 0, 0, 0, 0, 0],
  inject: [0, 0, 0, 0, 0, 0],
};
// Submissions that cannot be graded at all (0, with the reason), beside those above.
const refused = ["assignment-escape"];

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

/** What a submission could change in the project: dist/, notebooks/, data/, package.json (paths and contents). */
function projectFingerprint() {
  const hash = createHash("sha256");
  const visit = (entry) => {
    let stat;
    try {
      stat = fs.lstatSync(entry);
    } catch {
      return;
    }
    hash.update(`${path.relative(projectRoot, entry)}\n`);
    if (stat.isDirectory()) for (const name of fs.readdirSync(entry).sort()) visit(path.join(entry, name));
    else if (stat.isFile()) hash.update(fs.readFileSync(entry));
  };
  for (const entry of ["dist", "notebooks", "data", "package.json"]) visit(path.join(projectRoot, entry));
  return hash.digest("hex");
}

const batch = path.join(work, "class");
const later = path.join(work, "later");
const reports = {};
let batchRun;
let laterRun;
let unsafeRun;
const before0 = projectFingerprint();
before(
  async () => {
    if (skip) return;
    for (const name of [...Object.keys(expected), ...refused]) {
      fs.mkdirSync(path.join(batch, "submitted", name), { recursive: true });
      fs.copyFileSync(path.join(fixtures, `${name}.ipynb`), path.join(batch, "submitted", name, "ticket-rush.ipynb"));
    }
    // --seed 1: the races these fixtures lose (or win) were checked with that variant.
    batchRun = await proclab(["grade", batch, "--json", "--seed", "1", "--jobs", "2"]);
    assert.equal(batchRun.status, 0, batchRun.stderr);
    for (const s of JSON.parse(batchRun.stdout).submissions) reports[s.student] = s;
    // A separate run after the tampering one: an untouched stub, whose variant comes from the student's folder name.
    fs.mkdirSync(path.join(later, "submitted", "ada"), { recursive: true });
    fs.copyFileSync(path.join(fixtures, "stub.ipynb"), path.join(later, "submitted", "ada", "ticket-rush.ipynb"));
    fs.copyFileSync(path.join(fixtures, "solution.ipynb"), path.join(work, "solution.ipynb"));
    [laterRun, unsafeRun] = await Promise.all([
      proclab(["grade", later]),
      proclab(["grade", path.join(work, "solution.ipynb"), "--json", "--unsafe-no-sandbox", "--feedback", path.join(work, "unsafe")]),
    ]);
  },
  { timeout: 600_000 },
);

const score = (name) => expected[name].reduce((sum, ok, i) => sum + (ok ? reports[name].tests[i].maxPoints : 0), 0);

for (const name of Object.keys(expected)) {
  test(`${name}: scores ${expected[name].join("")} per test, every lost point with a reason`, { skip }, () => {
    const report = reports[name];
    assert.equal(report.failure, undefined, report.failure);
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

test("the reasons say what went wrong: oversold, lock held during work, lock kept after a throw, endless retry, memory", { skip }, () => {
  assert.match(reports["release-before-write"].tests[0].message, /oversold/);
  assert.match(reports["lock-around-everything"].tests[3].message, /held the lock during its non-critical work/);
  assert.match(reports["no-release-on-error"].tests[1].message, /lock is still held .* finally/);
  assert.match(reports["infinite-loop"].tests[1].message, /still running \d+ ms after its read failed/);
  assert.match(reports["memory-hog"].tests[0].message, /ran out of memory \(limit \d+ MB/);
  for (const t of reports.stub.tests) assert.match(t.message, /not implemented/);
});

test("a student's own helpers, patched built-ins and forged ✓ lines change no score", { skip }, () => {
  for (const name of ["shadowed", "tampered-helpers", "forged-pass"]) assert.equal(reports[name].score, 0, name);
});

test("the hidden tests and solutions are nowhere a submission can read: the searcher found nothing", { skip }, () => {
  for (const t of reports.exfiltrate.tests.slice(0, 4)) assert.match(t.message, /LEAK 0 files/);
});

test("the judge's Node inspector stays closed when a buyer sends it SIGUSR1", { skip }, () => {
  for (const t of reports.inspector.tests.slice(0, 4)) assert.doesNotMatch(t.message, /INSPECTOR OPEN/);
});

test("an assignment name that is a path is refused (0, with the reason); it never picks a teacher notebook", { skip }, () => {
  const report = reports["assignment-escape"];
  assert.equal(report.score, 0);
  assert.match(report.failure, /metadata\.proclab\.assignment must be a plain name/);
});

test("a student's error text cannot restyle the feedback: no control characters, Markdown shown as text", { skip }, () => {
  for (const ext of ["md", "html"]) {
    const text = fs.readFileSync(path.join(batch, "feedback", "inject", `ticket-rush.feedback.${ext}`), "utf8");
    // eslint-disable-next-line no-control-regex -- the escape a submission tried to print
    assert.doesNotMatch(text, /[\r\u001b]/);
    assert.doesNotMatch(text, /<img src=x>/);
  }
  const md = fs.readFileSync(path.join(batch, "feedback", "inject", "ticket-rush.feedback.md"), "utf8");
  assert.match(md, /\\\*\\\*Score: 14 \/ 14\\\*\\\*/); // shown as text, not as a second score line
  assert.equal(md.match(/^\*\*Score:/gm).length, 1);
});

test("feedback (Markdown and HTML) lists restored cells and never shows hidden test code or solutions", { skip }, () => {
  const edited = fs.readFileSync(path.join(batch, "feedback", "edited-tests", "ticket-rush.feedback.md"), "utf8");
  assert.match(edited, /"ex1-test-sold" was edited/);
  assert.match(edited, /"ex1-test-release" was deleted/);
  assert.match(edited, /added by the student were not run/);
  for (const name of Object.keys(expected)) {
    for (const ext of ["md", "html"]) {
      const text = fs.readFileSync(path.join(batch, "feedback", name, `ticket-rush.feedback.${ext}`), "utf8");
      assert.match(text, /\(hidden test\)/);
      assert.doesNotMatch(text, /checkNoOversell\(|checkLockGranularity\(|BEGIN HIDDEN|BEGIN SOLUTION/, `${name}.${ext}`);
      assert.ok(text.length < 100_000, `${name}.${ext} is ${text.length} bytes`);
    }
  }
});

test("the project is byte-for-byte what it was, after a batch with tampering submissions", { skip }, () => {
  assert.equal(projectFingerprint(), before0);
});

test("a later run is not affected by the tampering: the stub scores 0 with its student's variant", { skip }, () => {
  assert.equal(laterRun.status, 0, laterRun.stderr);
  const variant = homeworkVariant(environmentSeed({ PROCLAB_STUDENT: "ada" }));
  const book = JSON.parse(fs.readFileSync(path.join(later, "gradebook.json"), "utf8"));
  assert.deepEqual(
    book.rows.map((r) => [r.student, r.score]),
    [["ada", 0]],
  );
  const feedback = fs.readFileSync(path.join(later, "feedback", "ada", "ticket-rush.feedback.md"), "utf8");
  assert.match(feedback, new RegExp(`a rush of ${variant.buyers} buyers for ${variant.tickets} tickets`));
});

test("the batch's gradebook has one row per student, as CSV and JSON", { skip }, () => {
  const csv = fs.readFileSync(path.join(batch, "gradebook.csv"), "utf8").trim().split("\n");
  assert.equal(csv.length, 1 + Object.keys(expected).length + refused.length);
  assert.match(csv[0], /^student,assignment,score,max_score,status,graded_at,/);
  assert.ok(csv.some((line) => line.startsWith("solution,ticket-rush,14,14,graded,")));
  const book = JSON.parse(fs.readFileSync(path.join(batch, "gradebook.json"), "utf8"));
  assert.equal(book.rows.length, Object.keys(expected).length + refused.length);
});

test("--unsafe-no-sandbox grades (the solution: 14/14) and the feedback says it ran unsandboxed", { skip }, () => {
  assert.equal(unsafeRun.status, 0, unsafeRun.stderr);
  assert.equal(JSON.parse(unsafeRun.stdout).score, 14);
  assert.match(fs.readFileSync(path.join(work, "unsafe", "solution.feedback.md"), "utf8"), /WITHOUT a sandbox/);
});

test("teacher mistakes are refused before any grading: --seed 1e20, a feedback folder inside a file", { skip }, async () => {
  const file = path.join(work, "solution.ipynb");
  const seed = spawnSync(process.execPath, [cli, "grade", file, "--seed", "1e20"], { encoding: "utf8" });
  assert.equal(seed.status, 2);
  assert.match(seed.stderr, /--seed must be an integer between/);
  const feedback = spawnSync(process.execPath, [cli, "grade", file, "--feedback", path.join(file, "fb")], { encoding: "utf8" });
  assert.equal(feedback.status, 2);
  assert.match(feedback.stderr, /--feedback .*cannot use it as a folder/);
});

/** Processes working in a folder under ours, and the detached sleeps the fixtures start. */
function leftBehind() {
  return fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        if (fs.readlinkSync(`/proc/${p}/cwd`).startsWith(`${work}/`)) return true;
        return /^(setsid )?sleep (3131|3132|30)\b/.test(fs.readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " "));
      } catch {
        return false;
      }
    });
}

test("nothing a submission started outlives grading (detached sessions, fork storms)", { skip }, async () => {
  for (let i = 0; i < 40 && leftBehind().length > 0; i++) await sleep(50);
  assert.deepEqual(leftBehind(), []);
});

after(() => fs.rmSync(work, { recursive: true, force: true }));
