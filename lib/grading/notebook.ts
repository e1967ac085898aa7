/** Reading and writing homework notebooks (nbformat 4), and what each cell is for. */
import type { Language } from "../core/lang";
import { createHash } from "node:crypto";
import * as fs from "node:fs";

export interface NotebookCell {
  cell_type: string;
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** answer: has `// BEGIN SOLUTION`; test: calls `check(`; given: everything else. */
export type CellRole = "answer" | "test" | "given";

export const markers = {
  solution: ["// BEGIN SOLUTION", "// END SOLUTION"],
  hidden: ["// BEGIN HIDDEN TESTS", "// END HIDDEN TESTS"],
} as const;

const checkCall = /(^|[^\w$.])check\(/;

export function readNotebook(file: string): Notebook {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file} is not a readable notebook: ${(error as Error).message}`);
  }
  const nb = data as Partial<Notebook>;
  if (typeof nb !== "object" || nb === null || nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new Error(`${file} is not an nbformat 4 notebook (expected { nbformat: 4, cells: [...] })`);
  }
  return nb as Notebook;
}

export function writeNotebook(file: string, nb: Notebook): void {
  fs.writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
}

export function sourceOf(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** The cell with `text` as source, in Jupyter's list-of-lines form. */
export function withSource(cell: NotebookCell, text: string): NotebookCell {
  return { ...cell, source: text.split(/(?<=\n)/) };
}

export function cellRole(cell: NotebookCell): CellRole {
  if (cell.cell_type !== "code") return "given";
  const text = sourceOf(cell);
  if (text.includes(markers.solution[0])) return "answer";
  return checkCall.test(text) ? "test" : "given";
}

/** sha256 of a cell's type and source: what a student may not change in a non-answer cell. */
export function cellChecksum(cell: NotebookCell): string {
  return createHash("sha256")
    .update(JSON.stringify([cell.cell_type, sourceOf(cell)]))
    .digest("hex");
}

/** The assignment a notebook belongs to (metadata.proclab.assignment), or null. */
/** Whether `name` may name an assignment: a plain name, never a path (it picks a teacher notebook by name). */
export function isPlainAssignmentName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(name);
}

/** The edition a notebook belongs to (metadata.proclab.edition): "zh-CN" for the Chinese one, else English. */
export function editionOf(nb: Notebook): Language {
  return (nb.metadata.proclab as { edition?: unknown } | undefined)?.edition === "zh-CN" ? "zh-CN" : "en";
}

export function assignmentOf(nb: Notebook): string | null {
  const name = (nb.metadata.proclab as { assignment?: unknown } | undefined)?.assignment;
  return typeof name === "string" && name !== "" ? name : null;
}
