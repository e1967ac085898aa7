/**
 * The gradebook: one row per student and assignment, in `gradebook.json` (the record) and
 * `gradebook.csv` (for spreadsheets and LMS upload). Grading again replaces a student's row
 * for that assignment; rows of other students and assignments stay.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface GradebookRow {
  student: string;
  assignment: string;
  score: number;
  maxScore: number;
  /** "graded", or why the submission could not be graded. */
  status: string;
  /** Points per test name. */
  tests: Record<string, number>;
  file: string;
  gradedAt: string;
}

interface GradebookFile {
  format: "proclab-gradebook-1";
  rows: GradebookRow[];
}

function read(file: string): GradebookRow[] {
  if (!fs.existsSync(file)) return [];
  let data: GradebookFile;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8")) as GradebookFile;
  } catch (error) {
    throw new Error(`${file} is not a gradebook (${(error as Error).message}); move it away or pass another --gradebook folder`);
  }
  if (data.format !== "proclab-gradebook-1" || !Array.isArray(data.rows))
    throw new Error(`${file} is not a proclab gradebook; move it away or pass another --gradebook folder`);
  return data.rows;
}

/** A CSV field; a leading = + - @ is quoted away, so a spreadsheet never runs a student id as a formula. */
function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeAtomic(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/** Merges `rows` into the gradebook in `folder`; returns the two files. */
export function updateGradebook(folder: string, rows: readonly GradebookRow[]): { json: string; csv: string } {
  const json = path.join(folder, "gradebook.json");
  const csv = path.join(folder, "gradebook.csv");
  const key = (row: GradebookRow): string => JSON.stringify([row.student, row.assignment]);
  const merged = new Map(read(json).map((row) => [key(row), row]));
  for (const row of rows) merged.set(key(row), row);
  const all = [...merged.values()].sort((a, b) => a.assignment.localeCompare(b.assignment) || a.student.localeCompare(b.student));
  const testNames = [...new Set(all.flatMap((row) => Object.keys(row.tests)))];
  const header = ["student", "assignment", "score", "max_score", "status", "graded_at", ...testNames];
  const lines = all.map((row) =>
    [row.student, row.assignment, row.score, row.maxScore, row.status, row.gradedAt, ...testNames.map((name) => row.tests[name] ?? "")]
      .map(csvField)
      .join(","),
  );
  writeAtomic(json, `${JSON.stringify({ format: "proclab-gradebook-1", rows: all } satisfies GradebookFile, null, 2)}\n`);
  writeAtomic(csv, `${[header.map(csvField).join(","), ...lines].join("\n")}\n`);
  return { json, csv };
}
