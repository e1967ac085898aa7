// The course notebooks double as assignments: their exercises are checkable by the grader.
// One notebook end to end (the grader's own suite covers the machinery): the teacher copy
// scores full marks, the copy `assign` makes for students scores 0, each test saying why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "proclab/core";

const cli = path.join(projectRoot, "dist", "cli.js");
const teacher = path.join(projectRoot, "notebooks", "03-mutex.ipynb");

function proclab(args) {
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

test("03-mutex's exercises: the teacher copy scores full marks, the assigned student copy 0 with reasons", { timeout: 240_000 }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-course-exercises-"));
  try {
    proclab(["assign", teacher, "--out", work]);
    const student = JSON.parse(proclab(["grade", path.join(work, "03-mutex.ipynb"), "--json"]));
    assert.equal(student.score, 0);
    assert.equal(student.maxScore, 2);
    for (const result of student.tests) assert.match(result.message, /not implemented/);

    const copy = path.join(work, "teacher", "03-mutex.ipynb");
    fs.mkdirSync(path.dirname(copy));
    fs.copyFileSync(teacher, copy);
    const solved = JSON.parse(proclab(["grade", copy, "--teacher", teacher, "--json"]));
    assert.deepEqual({ score: solved.score, maxScore: solved.maxScore }, { score: 2, maxScore: 2 }, JSON.stringify(solved.tests));

    // The same answer written without \`async\` (it returns withLock's promise) is just as right: the
    // judge calls it the way the teacher declared it, in a worker that can take the Lock.
    const plain = JSON.parse(fs.readFileSync(teacher, "utf8"));
    for (const cell of plain.cells) {
      const text = [].concat(cell.source).join("");
      if (text.includes("async function section(")) cell.source = text.replace("async function section(", "function section(");
    }
    const plainFile = path.join(work, "teacher", "plain-section.ipynb");
    fs.writeFileSync(plainFile, JSON.stringify(plain));
    const plainRun = JSON.parse(proclab(["grade", plainFile, "--teacher", teacher, "--json"]));
    assert.equal(plainRun.tests[0].passed, true, JSON.stringify(plainRun.tests[0]));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
