/**
 * A class at once: the submissions in a folder (nbgrader's `submitted/<student>/…` or a flat
 * folder of notebooks), graded in parallel. One broken or hostile notebook never stops the
 * batch: it scores 0 with the reason.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { gradeSubmission, loadAssignment, type Assignment, type GradeOptions, type GradeOutcome } from "./grade";
import { assignmentOf, isPlainAssignmentName, readNotebook } from "./notebook";
import type { GradeReport } from "./score";

export interface Submission {
  file: string;
  /** The student: nbgrader's folder name, else the notebook's name. */
  student: string;
  /** nbgrader layout: the student's folder name is their id, and picks their variant. */
  studentFromFolder: boolean;
}

export type Layout = "file" | "flat" | "nbgrader";

const isNotebook = (name: string): boolean => name.endsWith(".ipynb") && !name.startsWith(".");

/** The submissions at `target` (a notebook, a flat folder, or a folder with `submitted/`), sorted. */
export function findSubmissions(target: string): { layout: Layout; root: string; submissions: Submission[] } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new Error(`no such submission: ${target}`);
  }
  if (!stat.isDirectory()) {
    if (!target.endsWith(".ipynb")) throw new Error(`${target} is not a notebook (.ipynb) or a folder of them`);
    return {
      layout: "file",
      root: path.dirname(target),
      submissions: [{ file: target, student: path.basename(target, ".ipynb"), studentFromFolder: false }],
    };
  }
  const submitted = path.join(target, "submitted");
  if (fs.existsSync(submitted) && fs.statSync(submitted).isDirectory()) {
    const submissions: Submission[] = [];
    for (const student of fs.readdirSync(submitted).sort()) {
      const folder = path.join(submitted, student);
      if (!fs.statSync(folder).isDirectory()) continue;
      for (const entry of fs.readdirSync(folder).sort()) {
        const full = path.join(folder, entry);
        if (isNotebook(entry)) submissions.push({ file: full, student, studentFromFolder: true });
        else if (fs.statSync(full).isDirectory()) {
          // nbgrader proper: submitted/<student>/<assignment>/<notebook>.ipynb
          for (const inner of fs.readdirSync(full).sort())
            if (isNotebook(inner)) submissions.push({ file: path.join(full, inner), student, studentFromFolder: true });
        }
      }
    }
    if (submissions.length === 0) throw new Error(`${submitted} holds no notebooks (expected submitted/<student>/<assignment>.ipynb)`);
    return { layout: "nbgrader", root: target, submissions };
  }
  const files = fs.readdirSync(target).filter(isNotebook).sort();
  if (files.length === 0) throw new Error(`${target} holds no .ipynb submissions (nor a submitted/ folder)`);
  return {
    layout: "flat",
    root: target,
    submissions: files.map((name) => ({ file: path.join(target, name), student: path.basename(name, ".ipynb"), studentFromFolder: false })),
  };
}

export interface BatchResult {
  submission: Submission;
  outcome: GradeOutcome | null;
  /** Why the submission could not be graded at all (it scores 0). */
  failure: string | null;
  /** The score, with failures as 0 of the assignment's maximum (when known). */
  report: GradeReport;
  assignment: string;
  seconds: number;
}

export interface BatchProgress {
  done: number;
  total: number;
  failed: number;
  /** Seconds, estimated from the pace so far. */
  etaS: number | null;
}

/** Grades every submission, `jobs` at a time; `onResult` hears each as it finishes. */
export async function gradeBatch(
  submissions: readonly Submission[],
  options: GradeOptions & { jobs: number; onResult?: (result: BatchResult, progress: BatchProgress) => void },
): Promise<BatchResult[]> {
  const assignments = new Map<string, Assignment>();
  const results: BatchResult[] = new Array<BatchResult>(submissions.length);
  const started = Date.now();
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < submissions.length; index = next++) {
      const submission = submissions[index];
      const t0 = Date.now();
      const perStudent: GradeOptions = submission.studentFromFolder && options.seed === undefined ? { student: submission.student } : {};
      let result: BatchResult;
      try {
        const outcome = await gradeSubmission(submission.file, {
          ...options,
          ...perStudent,
          assignmentFor: (teacherPath) => cached(assignments, teacherPath, options),
        });
        result = {
          submission,
          outcome,
          failure: null,
          report: outcome.report,
          assignment: outcome.assignment,
          seconds: (Date.now() - t0) / 1000,
        };
      } catch (error) {
        const failure = (error as Error).message.split("\n")[0];
        // The assignment it was meant for, if known: so that a failed re-grade replaces the old row.
        const named = assignmentNamed(submission.file);
        const known = options.assignment ?? [...assignments.values()].find((a) => a.manifest.assignment === named);
        const maxScore = known ? known.manifest.cells.flatMap((c) => c.tests ?? []).reduce((sum, t) => sum + t.points, 0) : 0;
        result = {
          submission,
          outcome: null,
          failure,
          report: { score: 0, maxScore, tests: [] },
          assignment: known?.manifest.assignment ?? named ?? "?",
          seconds: (Date.now() - t0) / 1000,
        };
        failed++;
      }
      results[index] = result;
      done++;
      const pace = (Date.now() - started) / 1000 / done;
      options.onResult?.(result, {
        done,
        total: submissions.length,
        failed,
        etaS: done < submissions.length ? pace * (submissions.length - done) : 0,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, submissions.length)) }, worker));
  return results;
}

/** The plain assignment name in a notebook's metadata, or null (unreadable, missing or not a plain name). */
function assignmentNamed(file: string): string | null {
  try {
    const name = assignmentOf(readNotebook(file));
    return name !== null && isPlainAssignmentName(name) ? name : null;
  } catch {
    return null;
  }
}

function cached(assignments: Map<string, Assignment>, teacherPath: string, options: GradeOptions): Assignment {
  let assignment = assignments.get(teacherPath);
  if (!assignment) {
    assignment = loadAssignment(teacherPath, options.manifest);
    assignments.set(teacherPath, assignment);
  }
  return assignment;
}

/** "12/40 graded · 1 failed · about 3m10s left" */
export function progressLine(progress: BatchProgress): string {
  const eta = progress.etaS === null ? "" : progress.done === progress.total ? " · finished" : ` · about ${duration(progress.etaS)} left`;
  return `${progress.done}/${progress.total} graded · ${progress.failed} failed${eta}`;
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
