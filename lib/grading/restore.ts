/**
 * The notebook the grader runs: the teacher's notebook with the student's answer
 * cells put in. Every other cell (tests, hidden tests, given code) is the teacher's,
 * so a student cannot edit or delete tests; cells a student added are not run.
 */
import type { Manifest } from "./assign";
import { cellChecksum, sourceOf, withSource, type Notebook, type NotebookCell } from "./notebook";

export function gradedNotebook(
  teacher: Notebook,
  stubbed: Notebook,
  manifest: Manifest,
  submission: Notebook,
): { notebook: Notebook; notes: string[] } {
  const notes: string[] = [];
  const submitted = new Map(submission.cells.filter((c) => typeof c.id === "string").map((c) => [c.id as string, c]));
  const stubs = new Map(stubbed.cells.map((c) => [c.id as string, c]));
  const known = new Set(manifest.cells.map((c) => c.id));
  const cells = teacher.cells.map((cell, index): NotebookCell => {
    const entry = manifest.cells[index];
    const mine = submitted.get(entry.id);
    const clean = (c: NotebookCell): NotebookCell => (c.cell_type === "code" ? { ...c, outputs: [], execution_count: null } : c);
    if (entry.role === "answer") {
      if (mine?.cell_type === "code") return clean(withSource(cell, sourceOf(mine)));
      notes.push(`answer cell "${entry.id}" is missing from the submission: graded as not implemented`);
      return clean(stubs.get(entry.id) ?? cell);
    }
    if (entry.studentChecksum !== null) {
      if (!mine) notes.push(`${entry.role} cell "${entry.id}" was deleted: the teacher's version was run`);
      else if (cellChecksum(mine) !== entry.studentChecksum)
        notes.push(`${entry.role} cell "${entry.id}" was edited: the teacher's version was run`);
    }
    return clean(cell);
  });
  const added = submission.cells.filter((c) => c.cell_type === "code" && !known.has(c.id ?? "") && sourceOf(c).trim() !== "");
  if (added.length > 0) notes.push(`${added.length} code cell(s) added by the student were not run: put your code in the answer cells`);
  return { notebook: { ...teacher, cells }, notes };
}
