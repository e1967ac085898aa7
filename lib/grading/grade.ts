/**
 * Grading one submission. Threat model (what a submission cannot do):
 * - change or delete tests: every non-answer cell is the teacher's (restore.ts);
 *   cells the student added are not run;
 * - forge a pass: scores come only from records signed with a key the grader writes
 *   into each test cell as it runs (check.ts, grade_notebook.py); printed "✓" lines, fake
 *   records, or checks called from answer cells (which never see a key) score nothing;
 * - stall the run: each test cell has a time limit; on timeout the kernel's whole process
 *   group is killed and grading continues on a fresh kernel;
 * - touch data/ or other submissions by the course API: each run gets its own scratch folder
 *   (cwd and PROCLAB_DATA_DIR).
 * Not defended (out of scope; needs an OS sandbox or a code review): answer code that
 * deliberately rewrites the kernel's JavaScript runtime (require, tslab internals) to steal
 * a key while a test runs, writes to absolute paths, or detaches processes with setsid.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../core/paths";
import { assignNotebook, type Manifest } from "./assign";
import { jupyterEnv, registerTslabKernel, venvBin } from "./jupyter";
import { assignmentOf, readNotebook, writeNotebook } from "./notebook";
import { gradedNotebook } from "./restore";
import { scoreRun, type GradeReport, type RunResult } from "./score";

export interface GradeOptions {
  /** The teacher notebook; default notebooks/homework/<assignment>.ipynb from the submission's metadata. */
  teacher?: string;
  /** A manifest written by `assign`; when given, the teacher source must still match it. */
  manifest?: string;
  /** The variant: PROCLAB_SEED for the kernel. */
  seed?: number;
  /** The variant from a student id (PROCLAB_STUDENT), when no seed is given. */
  student?: string;
  /** Seconds a non-test cell may run; default 60. */
  cellTimeoutS?: number;
}

export interface GradeOutcome {
  file: string;
  assignment: string;
  report: GradeReport;
  /** Test names students never saw. */
  hidden: Set<string>;
  /** Restored, missing and ignored cells. */
  notes: string[];
}

function teacherPathFor(submission: string, assignment: string | null, options: GradeOptions): string {
  if (options.teacher) return path.resolve(options.teacher);
  if (!assignment) throw new Error(`${submission} has no metadata.proclab.assignment; pass --teacher <teacher notebook>`);
  // Homework sources first, then the course notebooks (their exercises are assignments too).
  const candidates = [
    path.join(projectRoot, "notebooks", "homework", `${assignment}.ipynb`),
    path.join(projectRoot, "notebooks", `${assignment}.ipynb`),
  ];
  const file = candidates.find((candidate) => fs.existsSync(candidate));
  if (!file)
    throw new Error(
      `no teacher notebook for assignment "${assignment}" (looked for ${candidates.join(" and ")}); pass --teacher <teacher notebook>`,
    );
  return file;
}

function checkedManifest(computed: Manifest, file: string | undefined): Manifest {
  if (!file) return computed;
  const saved = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  const changed = saved.cells.filter(
    (cell, i) => computed.cells[i]?.id !== cell.id || computed.cells[i].teacherChecksum !== cell.teacherChecksum,
  );
  if (changed.length > 0 || saved.cells.length !== computed.cells.length) {
    throw new Error(
      `the teacher notebook ${computed.teacherSource} changed since ${file} was written (cell "${changed[0]?.id ?? "count"}"); run assign again or grade with the original`,
    );
  }
  return saved;
}

/** The kernel-side driver (Python: nbclient runs the tslab kernel), shipped beside this module's source. */
const driver = path.join(projectRoot, "lib", "grading", "py", "grade_notebook.py");

/** Runs the driver without blocking this process's event loop (a grade can take minutes). */
function runDriver(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvBin("python"), [driver, ...args], { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-64 * 1024)));
    child.once("error", (error) =>
      reject(
        new Error(
          `cannot start the grading kernel driver ${venvBin("python")}: ${error.message} (run \`npm start\` or \`npm run setup\` once)`,
        ),
      ),
    );
    child.once("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

async function runGrader(notebookFile: string, manifest: Manifest, env: NodeJS.ProcessEnv, cellTimeoutS: number): Promise<RunResult> {
  registerTslabKernel();
  const tests = Object.fromEntries(
    manifest.cells.filter((c) => c.tests).map((c) => [c.id, (c.tests ?? []).reduce((sum, t) => sum + t.timeLimitMs, 0) / 1000 + 5]),
  );
  const plan = path.join(path.dirname(notebookFile), "plan.json");
  fs.writeFileSync(plan, JSON.stringify({ tests }));
  const result = await runDriver([notebookFile, "--plan", plan, "--cell-timeout", String(cellTimeoutS)], {
    cwd: path.dirname(notebookFile),
    env: jupyterEnv(env),
  });
  const last = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !last.startsWith("{")) {
    throw new Error(
      `the grading kernel run failed (exit ${result.status ?? result.signal}): ${result.stderr.trim().split("\n").slice(-5).join("\n")}`,
    );
  }
  return JSON.parse(last) as RunResult;
}

export async function gradeSubmission(file: string, options: GradeOptions = {}): Promise<GradeOutcome> {
  const submission = readNotebook(file);
  const teacherPath = teacherPathFor(file, assignmentOf(submission), options);
  const teacher = readNotebook(teacherPath);
  const assigned = assignNotebook(teacher, teacherPath);
  const manifest = checkedManifest(assigned.manifest, options.manifest);
  const { notebook, notes } = gradedNotebook(teacher, assigned.student, manifest, submission);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-grade-"));
  try {
    const copy = path.join(scratch, "submission.ipynb");
    writeNotebook(copy, notebook);
    // tslab resolves (and type-checks) `import … from "proclab"` from the working directory.
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(scratch, "node_modules"), "dir");
    const dataDir = path.join(scratch, "data");
    fs.mkdirSync(dataDir);
    const env: NodeJS.ProcessEnv = { ...process.env, PROCLAB_DATA_DIR: dataDir };
    delete env.PROCLAB_SEED;
    delete env.PROCLAB_STUDENT;
    if (options.seed !== undefined) env.PROCLAB_SEED = String(options.seed);
    else if (options.student !== undefined) env.PROCLAB_STUDENT = options.student;
    const run = await runGrader(copy, manifest, env, options.cellTimeoutS ?? 60);
    if (run.stopped) notes.push(`grading stopped early: ${run.stopped}`);
    const hidden = new Set(manifest.cells.flatMap((c) => (c.tests ?? []).filter((t) => t.hidden).map((t) => t.name)));
    return { file, assignment: manifest.assignment, report: scoreRun(manifest, run), hidden, notes };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
