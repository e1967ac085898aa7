/**
 * Teacher notebook → student notebook and teacher-side manifest.
 * The manifest holds cell ids, roles and checksums (no answers, no hidden test code).
 */
import * as path from "node:path";
import { removeHiddenTests, stubSolutions, testsIn, type TestSpec } from "./authoring";
import {
  assignmentOf,
  cellChecksum,
  editionOf,
  cellRole,
  sourceOf,
  withSource,
  type CellRole,
  type Notebook,
  type NotebookCell,
} from "./notebook";

export interface ManifestCell {
  id: string;
  role: CellRole;
  /** Checksum of the teacher's cell, to notice a teacher source edited after assign. */
  teacherChecksum: string;
  /** Checksum of the cell as students got it; null for an answer cell or a fully hidden cell. */
  studentChecksum: string | null;
  /** Test cells: every test, hidden ones included. */
  tests?: Array<TestSpec & { hidden: boolean }>;
}

export interface Manifest {
  assignment: string;
  teacherSource: string;
  cells: ManifestCell[];
}

function cellId(cell: NotebookCell, index: number, where: string): string {
  if (typeof cell.id !== "string" || cell.id === "")
    throw new Error(`${where}: cell ${index + 1} has no id; nbformat 4.5 cell ids are how the grader finds answers and tests`);
  return cell.id;
}

/** The student version of one teacher cell (null: removed), and its manifest entry. */
function studentCell(cell: NotebookCell, index: number, where: string): { cell: NotebookCell | null; entry: ManifestCell } {
  const id = cellId(cell, index, where);
  const role = cellRole(cell);
  const text = sourceOf(cell);
  const label = `${where}, cell "${id}"`;
  const base = { ...cell, metadata: { ...cell.metadata }, ...(cell.cell_type === "code" ? { outputs: [], execution_count: null } : {}) };
  if (role === "answer") {
    const stub = withSource(base, stubSolutions(text, label));
    return { cell: stub, entry: { id, role, teacherChecksum: cellChecksum(cell), studentChecksum: null } };
  }
  const visibleText = cell.cell_type === "code" ? removeHiddenTests(text, label) : text;
  const visible = visibleText === "" ? null : withSource(base, visibleText);
  const entry: ManifestCell = { id, role, teacherChecksum: cellChecksum(cell), studentChecksum: visible ? cellChecksum(visible) : null };
  if (role === "test") {
    const shown = new Set(visibleText === "" ? [] : testsIn(visibleText, label).map((t) => t.name));
    entry.tests = testsIn(text, label).map((t) => ({ ...t, hidden: !shown.has(t.name) }));
  }
  return { cell: visible, entry };
}

/** Builds the student notebook and the manifest from a teacher notebook read from `teacherPath`. */
export function assignNotebook(teacher: Notebook, teacherPath: string): { student: Notebook; manifest: Manifest } {
  const where = path.basename(teacherPath);
  const parts = teacher.cells.map((cell, index) => studentCell(cell, index, where));
  const ids = parts.map((p) => p.entry.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`${where}: cell id "${duplicate}" is used twice; ids must be unique`);
  const assignment = assignmentOf(teacher) ?? path.basename(teacherPath, ".ipynb");
  const student: Notebook = {
    ...teacher,
    // The edition travels with the copy: grading picks the teacher notebook and the feedback's language by it.
    metadata: { ...teacher.metadata, proclab: { assignment, ...(editionOf(teacher) === "zh-CN" ? { edition: "zh-CN" } : {}) } },
    cells: parts.flatMap((p) => (p.cell ? [p.cell] : [])),
  };
  return { student, manifest: { assignment, teacherSource: path.resolve(teacherPath), cells: parts.map((p) => p.entry) } };
}
