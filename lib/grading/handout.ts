/**
 * For the teacher: the solutions handout (the notebook with its solutions, hidden tests named
 * but not shown) and the rubric (every test, its points, whether students see it, what it checks).
 */
import * as path from "node:path";
import { removeHiddenTests, testCalls } from "./authoring";
import { assignNotebook } from "./assign";
import { markers, sourceOf, type Notebook } from "./notebook";

/** What the course's checks verify, in a sentence each (for the rubric's "what it checks"). */
const helpers: Record<string, string> = {
  expectSoldCorrectly: "one rush of the student's variant: every ticket sold exactly once, no buyer failed",
  checkReleasedOnThrow: "the buyer on a corrupt db.json, in a child process: it took the lock, and the lock is free after its read threw",
  checkNoOversell: "several rushes with other seeds: never oversold, no lost update",
  checkLockGranularity: "every buyer locks; none holds the lock during its non-critical work; the buyers' work overlaps in time",
  checkDaemonGone: "main as a program: starts a daemon child, ends by itself, no daemon outlives it",
  expect: "the test's own conditions (its name says which)",
};

const fence = (code: string): string => `\`\`\`ts\n${code.trim()}\n\`\`\``;

export function handout(teacher: Notebook, teacherPath: string): { assignment: string; solutions: string; rubric: string } {
  const { manifest } = assignNotebook(teacher, teacherPath);
  const where = path.basename(teacherPath);
  const solutions = [`# ${manifest.assignment}: solutions`, "", `*For teachers. From ${where}; hidden tests are named, not shown.*`, ""];
  const rubric = [
    `# ${manifest.assignment}: rubric`,
    "",
    "| Cell | Test | Points | Students see it | Time limit | What it checks |",
    "|---|---|--:|---|--:|---|",
  ];
  teacher.cells.forEach((cell, index) => {
    const entry = manifest.cells[index];
    const text = sourceOf(cell);
    if (cell.cell_type !== "code") {
      solutions.push(text, "");
      return;
    }
    if (entry.role === "answer") {
      const solution = text
        .split("\n")
        .filter((line) => !markers.solution.includes(line.trim() as (typeof markers.solution)[number]))
        .join("\n");
      solutions.push(`**Solution (cell \`${entry.id}\`):**`, "", fence(solution), "");
      return;
    }
    if (entry.role !== "test") {
      solutions.push(fence(text), "");
      return;
    }
    const visible = removeHiddenTests(text, `${where}, cell "${entry.id}"`);
    if (visible !== "") solutions.push(fence(visible), "");
    const hiddenTests = (entry.tests ?? []).filter((t) => t.hidden);
    if (hiddenTests.length > 0)
      solutions.push(
        `*Hidden tests in cell \`${entry.id}\`: ${hiddenTests.map((t) => `"${t.name}" (${t.points} points)`).join(", ")}.*`,
        "",
      );
    const calls = testCalls(text);
    (entry.tests ?? []).forEach((test, i) => {
      const used = Object.keys(helpers).filter((name) => new RegExp(`\\b${name}\\(`).test(calls[i] ?? ""));
      const what = used.map((name) => helpers[name]).join("; ") || "see the test's name";
      rubric.push(
        `| \`${entry.id}\` | ${test.name.replace(/\|/g, "\\|")} | ${test.points} | ${test.hidden ? "no (hidden)" : "yes"} | ${test.timeLimitMs / 1000} s | ${what} |`,
      );
    });
  });
  const total = manifest.cells.flatMap((c) => c.tests ?? []).reduce((sum, t) => sum + t.points, 0);
  rubric.push(
    "",
    `**Total: ${total} points.** A test scores its points only when it passes; there is no partial credit within a test.`,
    "",
  );
  return { assignment: manifest.assignment, solutions: solutions.join("\n"), rubric: rubric.join("\n") };
}
