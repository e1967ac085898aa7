/** From the grading run's verified records to points and reasons: a test scores only on a verified pass. */
import type { Manifest } from "./assign";

/** What the judge (judge.ts) reports per test cell. */
export interface CellRun {
  status: "ok" | "error" | "abort" | "timeout" | "crashed";
  reason: string;
  records: Array<{ name: string; points: number; passed: boolean; message: string }>;
  forged: number;
}

export interface RunResult {
  cells: Record<string, CellRun>;
  stopped?: string;
  /** Where the judge's time went, ms: from its start to the first test cell, and per test cell. */
  timing?: { setupMs: number; cellsMs: Record<string, number> };
}

export interface TestResult {
  name: string;
  points: number;
  maxPoints: number;
  passed: boolean;
  message: string;
}

export interface GradeReport {
  score: number;
  maxScore: number;
  tests: TestResult[];
}

function failure(run: CellRun | undefined, stopped: string | undefined): string {
  if (!run) return `not run: ${stopped ?? "the grader never reached this test"}`;
  switch (run.status) {
    case "ok":
      return "the test reported no result (its check never completed)";
    case "error": {
      const earlier = run.records.find((r) => !r.passed);
      return earlier
        ? `not run: "${earlier.name}" failed before it in the same cell`
        : `the test cell failed before this test reported: ${run.reason}`;
    }
    default:
      return run.reason;
  }
}

export function scoreRun(manifest: Manifest, run: RunResult): GradeReport {
  const tests: TestResult[] = [];
  for (const cell of manifest.cells) {
    for (const spec of cell.tests ?? []) {
      const cellRun = run.cells[cell.id];
      const record = cellRun?.records.find((r) => r.name === spec.name);
      const passed = record?.passed === true;
      let message = passed ? "" : record ? record.message : failure(cellRun, run.stopped);
      if (!passed && cellRun && cellRun.forged > 0) message += ` (${cellRun.forged} forged result(s) ignored)`;
      tests.push({ name: spec.name, points: passed ? spec.points : 0, maxPoints: spec.points, passed, message });
    }
  }
  return { score: tests.reduce((sum, t) => sum + t.points, 0), maxScore: tests.reduce((sum, t) => sum + t.maxPoints, 0), tests };
}
