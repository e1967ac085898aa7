// Homework tooling without a kernel: assign (stubs, hidden tests removed, manifest), variants,
// fail-closed scoring and feedback that never shows hidden test code.
import { test } from "node:test";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { homeworkVariant, check } from "proclab";
import { projectRoot } from "proclab/core";
import { assignNotebook, feedbackMarkdown, readNotebook } from "proclab/grading";
import { environmentSeed } from "proclab/homework";

const require_ = createRequire(import.meta.url);
const teacherPath = path.join(projectRoot, "notebooks", "homework", "ticket-rush.ipynb");
const teacher = readNotebook(teacherPath);
const text = (cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);
const { student, manifest } = assignNotebook(teacher, teacherPath);
const hiddenNames = manifest.cells.flatMap((c) => (c.tests ?? []).filter((t) => t.hidden).map((t) => t.name));

test("the teacher notebook is nbformat 4 with the TypeScript (tslab) kernel and no outputs", () => {
  assert.equal(teacher.nbformat, 4);
  assert.deepEqual([teacher.metadata.kernelspec.name, teacher.metadata.kernelspec.display_name], ["tslab", "TypeScript"]);
  for (const cell of teacher.cells.filter((c) => c.cell_type === "code"))
    assert.deepEqual([cell.outputs, cell.execution_count], [[], null], cell.id);
});

test("assign replaces each solution by a stub that throws 'not implemented'", () => {
  const answers = student.cells.filter((c) => manifest.cells.find((m) => m.id === c.id)?.role === "answer");
  assert.equal(answers.length, 2);
  for (const cell of answers) {
    assert.match(text(cell), /throw new Error\("not implemented"\);/);
    assert.doesNotMatch(text(cell), /SOLUTION|lock\.acquire|worker\.join/);
  }
});

test("assign removes hidden tests from the student notebook (not merely hides them), keeps visible ones", () => {
  const all = JSON.stringify(student);
  assert.doesNotMatch(all, /HIDDEN TESTS|checkNoOversell\(|checkLockGranularity\(/);
  for (const name of hiddenNames) assert.ok(!all.includes(name), `hidden test "${name}" leaked`);
  assert.equal(hiddenNames.length, 3);
  assert.ok(student.cells.some((c) => text(c).includes('check("the lock is released when the read throws"')));
  assert.ok(!student.cells.some((c) => c.id === "ex1-hidden-oversell"), "a cell of hidden tests only is dropped");
});

test("the manifest records every cell id with a checksum of every non-answer cell, and no test code", () => {
  assert.deepEqual(
    manifest.cells.map((c) => c.id),
    teacher.cells.map((c) => c.id),
  );
  for (const cell of manifest.cells) {
    assert.match(cell.teacherChecksum, /^[0-9a-f]{64}$/);
    if (cell.role !== "answer" && !cell.id.includes("hidden")) assert.match(cell.studentChecksum, /^[0-9a-f]{64}$/, cell.id);
  }
  assert.equal(
    manifest.cells.flatMap((c) => c.tests ?? []).reduce((s, t) => s + t.points, 0),
    14,
  );
  assert.doesNotMatch(JSON.stringify(manifest), /checkNoOversell|lock\.acquire/);
});

test("assign rejects unbalanced markers, naming the cell and line", () => {
  const broken = structuredClone(teacher);
  broken.cells[3].source = ["// BEGIN SOLUTION\n", "x();\n"];
  assert.throws(() => assignNotebook(broken, teacherPath), /cell "ex1-answer": "\/\/ BEGIN SOLUTION" on line 1 is never closed/);
});

test("proclab assign --out writes the student notebook and the manifest", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-assign-"));
  try {
    const run = spawnSync(process.execPath, [path.join(projectRoot, "dist", "cli.js"), "assign", teacherPath, "--out", out], {
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /2 answer cells, 6 tests \(3 hidden\), 14 points/);
    assert.deepEqual(
      readNotebook(path.join(out, "ticket-rush.ipynb")).cells.map((c) => c.id),
      student.cells.map((c) => c.id),
    );
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, "ticket-rush.manifest.json"), "utf8")).assignment, "ticket-rush");
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("variants: the seed changes tickets, buyers and think times, and the same seed gives the same variant", () => {
  const variants = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => homeworkVariant(seed));
  assert.deepEqual(homeworkVariant(5), homeworkVariant(5));
  assert.ok(new Set(variants.map((v) => `${v.tickets}/${v.buyers}/${v.thinkMs[0]}`)).size > 3);
  for (const v of variants) assert.ok(v.buyers > v.tickets);
  assert.equal(environmentSeed({ PROCLAB_SEED: "42" }), 42);
  assert.equal(environmentSeed({ PROCLAB_STUDENT: "ada" }), environmentSeed({ PROCLAB_STUDENT: "ada" }));
  assert.notEqual(environmentSeed({ PROCLAB_STUDENT: "ada" }), environmentSeed({ PROCLAB_STUDENT: "bob" }));
  assert.throws(() => environmentSeed({ PROCLAB_SEED: "x" }), /PROCLAB_SEED must be an integer, got "x"/);
});

test("check prints ✓ on success and throws ✗ with the reason and a timeout", async () => {
  await check("passes", 1, () => {});
  await assert.rejects(
    check("fails", 2, () => {
      throw new Error("count 3, expected 0");
    }),
    /✗ fails \(0\/2\): count 3, expected 0/,
  );
  await assert.rejects(
    check("hangs", 1, () => new Promise(() => {}), { timeLimitMs: 50 }),
    /timed out after 50 ms/,
  );
});

test("answer code cannot swap the check functions: their module's exports are frozen", () => {
  const mod = path.join(projectRoot, "dist", "homework", "check.js");
  const script = `"use strict"; const m = require(${JSON.stringify(mod)}); try { m.judgedCheck = () => 1; } catch (e) { console.log(e.constructor.name); }`;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.equal(run.stdout.trim(), "TypeError");
  assert.ok(Object.isFrozen(require_(mod)));
});

test("feedback shows names and reasons, never hidden test code", () => {
  const report = {
    score: 2,
    maxScore: 5,
    tests: [
      { name: "visible", points: 2, maxPoints: 2, passed: true, message: "" },
      { name: hiddenNames[0], points: 0, maxPoints: 3, passed: false, message: "oversold | twice" },
    ],
  };
  const md = feedbackMarkdown("ticket-rush", report, new Set([hiddenNames[0]]), ["cell x was edited"]);
  assert.match(md, /\*\*Score: 2 \/ 5\*\*/);
  assert.match(md, /hidden test/);
  assert.match(md, /oversold \\\| twice/);
  assert.doesNotMatch(md, /checkNoOversell|await /);
});

test("the judge takes only the named functions from an answer cell: helpers, top-level code and patches stay out", async () => {
  const { answerFunctions, answerNames } = require_(path.join(projectRoot, "dist", "grading", "answers.js"));
  assert.deepEqual(answerNames("async function buyer(db: string) {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}\n"), ["buyer"]);
  const cell = [
    "async function buyer(db: string, lock: Lock): Promise<void> { const x: number = 1; console.log(x, db, lock); }",
    "async function check(name: string) { console.log(`✓ ${name}`); }",
    "JSON.stringify = () => 'passed';",
  ].join("\n");
  const { functions, notes } = answerFunctions(cell, ["buyer"], 'answer cell "ex1"');
  assert.equal(functions.length, 1);
  assert.equal(functions[0].name, "buyer");
  assert.match(functions[0].js, /^async function buyer\(db, lock\) \{/); // types gone, nothing else
  assert.doesNotMatch(functions[0].js, /check|JSON\.stringify/);
  assert.match(notes.join("\n"), /2 top-level statement\(s\) besides buyer are not run/);
  const missing = answerFunctions("const buyer = async () => {};", ["buyer"], 'answer cell "ex1"');
  assert.match(missing.notes[0], /declares no function buyer/);
  assert.match(missing.functions[0].js, /throw new Error/);
});

test("judgedCheck records each result and never throws, so the cell's next test still runs", async () => {
  const { judgedCheck } = require_(path.join(projectRoot, "dist", "homework", "check.js"));
  const results = [];
  const judged = judgedCheck(
    (r) => results.push(r),
    () => "cell-1",
  );
  await judged("fails", 2, () => {
    throw new Error("oversold");
  });
  await judged("passes", 1, () => undefined);
  assert.deepEqual(results, [
    { cell: "cell-1", name: "fails", points: 2, passed: false, message: "oversold" },
    { cell: "cell-1", name: "passes", points: 1, passed: true, message: "" },
  ]);
});

test("the gradebook: a re-run replaces a student's row, keeps the others; CSV cells never start a formula", () => {
  const { updateGradebook } = require_(path.join(projectRoot, "dist", "grading", "gradebook.js"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-gradebook-"));
  try {
    const row = (student, score) => ({
      student,
      assignment: "a",
      score,
      maxScore: 4,
      status: "graded",
      tests: { t: score },
      file: "f",
      gradedAt: "x",
    });
    updateGradebook(dir, [row("ada", 1), row("=HYPERLINK(1)", 0)]);
    const { csv } = updateGradebook(dir, [row("ada", 4)]);
    const lines = fs.readFileSync(csv, "utf8").trim().split("\n");
    assert.equal(lines.length, 3);
    assert.ok(lines.includes("ada,a,4,4,graded,x,4"));
    assert.ok(lines.some((line) => line.startsWith("'=HYPERLINK(1),")));
    fs.writeFileSync(path.join(dir, "gradebook.json"), "{ torn");
    assert.throws(() => updateGradebook(dir, [row("bo", 1)]), /gradebook\.json is not a gradebook/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
