/** The score table for terminals, and the Markdown feedback file (names and reasons only: never test code). */
import type { GradeReport } from "./score";

export function scoreTable(report: GradeReport): string {
  const rows = report.tests.map((t) => [`${t.points}/${t.maxPoints}`, t.passed ? "✓" : "✗", t.name, t.message]);
  const width = Math.max(6, ...rows.map((r) => r[0].length));
  const name = Math.max(4, ...rows.map((r) => r[2].length));
  const lines = rows.map(([points, mark, test, message]) =>
    `${points.padStart(width)}  ${mark}  ${test.padEnd(name)}  ${message}`.trimEnd(),
  );
  return [
    `${"points".padStart(width)}     ${"test".padEnd(name)}  reason`,
    ...lines,
    `${`${report.score}/${report.maxScore}`.padStart(width)}     total`,
  ].join("\n");
}

const cellText = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function feedbackMarkdown(title: string, report: GradeReport, hidden: ReadonlySet<string>, notes: readonly string[]): string {
  const rows = report.tests.map(
    (t) =>
      `| ${t.passed ? "✓" : "✗"} | ${cellText(t.name)}${hidden.has(t.name) ? " *(hidden test)*" : ""} | ${t.points}/${t.maxPoints} | ${cellText(t.message)} |`,
  );
  return [
    `# Feedback: ${title}`,
    "",
    `**Score: ${report.score} / ${report.maxScore}**`,
    "",
    "| | Test | Points | Why not full marks |",
    "|---|---|---|---|",
    ...rows,
    ...(notes.length ? ["", "## Notes", "", ...notes.map((n) => `- ${n}`)] : []),
    "",
  ].join("\n");
}
