/**
 * Grading one submission. What a submission cannot do:
 * - change or delete tests: every non-answer cell is the teacher's (restore.ts); cells the
 *   student added are not run;
 * - run code beside the tests: the judge (judge.ts) is a process of its own that runs the
 *   teacher's cells; of the student's answer cells it takes only the named functions' source
 *   (answers.ts), which the course's checks run in child processes. Redefining a helper,
 *   patching built-ins or printing "✓" in an answer cell changes nothing;
 * - forge a result: the judge signs its result with a key it read from a pipe before any
 *   student process started;
 * - read hidden tests or solutions, write into the project, reach the network, outlive
 *   grading, or exhaust the machine: the judge and everything it starts run in a bubblewrap
 *   sandbox with limits (sandbox.ts); the hidden tests reach the judge through a pipe.
 */
import type { Language } from "../core/lang";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../core/paths";
import { assignNotebook, type Manifest } from "./assign";
import { answerFunctions } from "./answers";
import type { JudgeInput } from "./judge";
import { judgeProgram, type JudgeProgram } from "./judge-program";
import { assignmentOf as assignmentName, editionOf, isPlainAssignmentName, readNotebook, sourceOf, type Notebook } from "./notebook";
import { gradedNotebook } from "./restore";
import { plainText } from "./feedback";
import { defaultLimits, outOfMemory, runSandboxed, type SandboxLimits, type SandboxRun } from "./sandbox";
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
  /** A loaded teacher notebook (loadAssignment): skips finding and compiling it per submission. */
  assignment?: Assignment;
  /** Loads (or finds already loaded) the assignment of a teacher notebook: a batch compiles each once. */
  assignmentFor?: (teacherPath: string) => Assignment;
  /** false: run the submission without the OS sandbox (only where bubblewrap cannot run; unsafe). */
  sandbox?: boolean;
  /** Sandbox limits; the wall time defaults to the assignment's test time limits plus a minute. */
  limits?: Partial<SandboxLimits>;
}

export interface GradeOutcome {
  file: string;
  /** What the judge printed (✓/✗ lines, the setup's output): for the teacher, not the student. */
  log: string;
  assignment: string;
  report: GradeReport;
  /** Test names students never saw. */
  hidden: ReadonlySet<string>;
  /** Where the judge's time went (see RunResult), and the whole run's seconds. */
  timing: NonNullable<RunResult["timing"]> & { totalS: number };
  /** Restored, missing and ignored cells. */
  notes: string[];
}

function teacherPathFor(submission: string, assignment: string | null, options: GradeOptions, edition: Language): string {
  if (options.teacher) return path.resolve(options.teacher);
  if (!assignment) throw new Error(`${submission} has no metadata.proclab.assignment; pass --teacher <teacher notebook>`);
  // The name comes from the student's file: a plain name only, so it can only pick one of the course's notebooks.
  if (!isPlainAssignmentName(assignment))
    throw new Error(
      `${submission}: metadata.proclab.assignment must be a plain name (letters, digits, - and _), got ${JSON.stringify(assignment.slice(0, 60))}`,
    );
  // Homework sources first, then the course notebooks (their exercises are assignments too).
  // A copy of the Chinese edition is judged by the Chinese teacher notebook (same code, Chinese text).
  const folders = edition === "zh-CN" ? [path.join("notebooks", "zh-CN"), "notebooks"] : ["notebooks"];
  const candidates = folders.flatMap((folder) => [
    path.join(projectRoot, folder, "homework", `${assignment}.ipynb`),
    path.join(projectRoot, folder, `${assignment}.ipynb`),
  ]);
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

/** The judge's program for each teacher notebook, compiled once. */
export interface Assignment {
  teacher: Notebook;
  stubbed: Notebook;
  manifest: Manifest;
  program: JudgeProgram;
  /** Test names students never saw. */
  hidden: Set<string>;
  /** Seconds the judge may run: every test's time limit, plus a minute to start and set up. */
  wallS: number;
}

/** Reads, checks and compiles a teacher notebook once; every submission of it reuses this. */
export function loadAssignment(teacherPath: string, manifestFile?: string): Assignment {
  const teacher = readNotebook(teacherPath);
  const assigned = assignNotebook(teacher, teacherPath);
  const manifest = checkedManifest(assigned.manifest, manifestFile);
  const tests = manifest.cells.flatMap((c) => c.tests ?? []);
  return {
    teacher,
    stubbed: assigned.student,
    manifest,
    program: judgeProgram(teacher, manifest),
    hidden: new Set(tests.filter((t) => t.hidden).map((t) => t.name)),
    wallS: Math.ceil(tests.reduce((sum, t) => sum + t.timeLimitMs, 0) / 1000) + 60,
  };
}

/** The assignment a submission names in its metadata (or the one given). */
export function assignmentOf(file: string, submission: Notebook, options: GradeOptions): Assignment {
  if (options.assignment) return options.assignment;
  const teacherPath = teacherPathFor(file, assignmentName(submission), options, editionOf(submission));
  return options.assignmentFor ? options.assignmentFor(teacherPath) : loadAssignment(teacherPath, options.manifest);
}

const judgeScript = path.join(projectRoot, "dist", "grading", "judge.js");

function environment(scratch: string, options: GradeOptions, sandboxed: boolean, language: Language): Record<string, string> {
  const env: Record<string, string> = {
    PATH: [path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter),
    HOME: scratch,
    LANG: "C.UTF-8",
    // The checks' reasons in the language of the assignment's edition.
    PROCLAB_LANG: language,
    TMPDIR: sandboxed ? "/tmp" : path.join(scratch, "tmp"),
    PROCLAB_DATA_DIR: path.join(scratch, "data"),
  };
  // No /proc in the sandbox: the library uses its portable ways (kill(pid, 0), the IPC channel);
  // its pid namespace is its own, so the judge can see every process a main starts (homework/kernel-view.ts).
  if (sandboxed) Object.assign(env, { PROCLAB_PORTABLE: "1", PROCLAB_OWN_PID_NAMESPACE: "1" });
  if (options.seed !== undefined) env.PROCLAB_SEED = String(options.seed);
  else if (options.student !== undefined) env.PROCLAB_STUDENT = options.student;
  return env;
}

/** Why the judge gave no final result. */
function whyStopped(run: SandboxRun, limits: SandboxLimits, wallS: number): string {
  const tail = plainText(run.stderr.trim().split("\n").slice(-3).join(" ")).slice(0, 400);
  if (run.oomKills > 0) return `ran out of memory (limit ${limits.totalMemoryMb} MB for all processes; the judge was killed)`;
  if (run.timedOut) return `grading stopped after ${wallS} s, the time limit for the whole submission`;
  if (outOfMemory.test(run.stderr)) return `ran out of memory (limit ${limits.memoryMb} MB per process)`;
  return `the judge ended without a result (exit ${run.status ?? run.signal})${tail ? `: ${tail}` : ""}`;
}

/** The judge's last signed result (a partial one when it was stopped), or why there is none. */
function verifiedResult(run: SandboxRun, key: string, limits: SandboxLimits, wallS: number): RunResult {
  for (const line of run.result.split("\n").reverse()) {
    try {
      const { payload, proof } = JSON.parse(line) as { payload: unknown; proof: unknown };
      if (typeof payload !== "string" || typeof proof !== "string") continue;
      const expected = createHmac("sha256", key).update(payload).digest("hex");
      if (proof.length !== expected.length || !timingSafeEqual(Buffer.from(proof), Buffer.from(expected))) continue;
      const result = JSON.parse(payload) as RunResult;
      return result.stopped === "partial" ? { ...result, stopped: whyStopped(run, limits, wallS) } : result;
    } catch {
      // not a result line
    }
  }
  return { cells: {}, stopped: whyStopped(run, limits, wallS) };
}

export async function gradeSubmission(file: string, options: GradeOptions = {}): Promise<GradeOutcome> {
  const submission = readNotebook(file);
  const assignment = assignmentOf(file, submission, options);
  const { notebook, notes } = gradedNotebook(assignment.teacher, assignment.stubbed, assignment.manifest, submission);
  const answers: JudgeInput["answers"] = [];
  for (const [id, names] of Object.entries(assignment.program.answers)) {
    const cell = notebook.cells.find((c) => c.id === id);
    const found = answerFunctions(cell ? sourceOf(cell) : "", names, `answer cell "${id}"`);
    answers.push({ cell: id, functions: found.functions });
    notes.push(...found.notes);
  }
  const sandbox = options.sandbox ?? true;
  const limits: SandboxLimits = { ...defaultLimits, wallS: assignment.wallS, ...options.limits };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-grade-"));
  try {
    // The judge and the buyers resolve `require("proclab")` from here.
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(scratch, "node_modules"), "dir");
    fs.mkdirSync(path.join(scratch, "data"));
    fs.mkdirSync(path.join(scratch, "tmp"));
    const key = randomBytes(32).toString("hex");
    const input: JudgeInput = {
      key,
      program: assignment.program.js,
      answers,
      asyncNames: assignment.program.asyncNames,
      memoryMb: limits.memoryMb,
    };
    const started = performance.now();
    const run = await runSandboxed({
      argv: [process.execPath, judgeScript],
      scratch,
      env: environment(scratch, options, sandbox, editionOf(assignment.teacher)),
      stdin: JSON.stringify(input),
      limits,
      sandbox,
    });
    const result = verifiedResult(run, key, limits, limits.wallS);
    if (result.stopped) notes.push(`grading stopped early: ${result.stopped}`);
    if (run.oomKills > 0)
      notes.push(
        `ran out of memory: ${run.oomKills} process(es) killed at the limit of ${limits.totalMemoryMb} MB for all of the submission's processes`,
      );
    if (run.dropped > 0) notes.push(`the submission printed more than ${Math.round(limits.outputBytes / 1024)} KB; the rest was dropped`);
    if (!sandbox) notes.push("graded WITHOUT a sandbox (--unsafe-no-sandbox): the submission's code ran with the grader's rights");
    return {
      file,
      assignment: assignment.manifest.assignment,
      report: scoreRun(assignment.manifest, result),
      hidden: assignment.hidden,
      notes,
      log: run.stdout,
      timing: { setupMs: 0, cellsMs: {}, ...result.timing, totalS: (performance.now() - started) / 1000 },
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
