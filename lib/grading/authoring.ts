/**
 * Teacher markers → student text: solutions become a stub that throws
 * "not implemented"; hidden tests are removed (not merely hidden).
 */
import { markers } from "./notebook";

/** Replaces every `marker[0]` … `marker[1]` block (whole lines) by `replace(indent)`; throws on unbalanced markers. */
function replaceBlocks(
  text: string,
  [begin, end]: readonly [string, string],
  replace: (indent: string) => string[],
  where: string,
): string {
  const out: string[] = [];
  let open: { line: number; indent: string } | null = null;
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === begin) {
      if (open) throw new Error(`${where}: "${begin}" on line ${index + 1} inside the block opened on line ${open.line + 1}`);
      open = { line: index, indent: /^\s*/.exec(line)![0] };
    } else if (trimmed === end) {
      if (!open) throw new Error(`${where}: "${end}" on line ${index + 1} without "${begin}" before it`);
      out.push(...replace((open as { indent: string }).indent));
      open = null;
    } else if (!open) {
      out.push(line);
    }
  });
  if (open) throw new Error(`${where}: "${begin}" on line ${(open as { line: number }).line + 1} is never closed by "${end}"`);
  return out.join("\n");
}

export function stubSolutions(text: string, where: string): string {
  return replaceBlocks(text, markers.solution, (indent) => [`${indent}throw new Error("not implemented");`], where);
}

/** The text without its hidden test blocks, trailing blank lines dropped ("" when nothing is left). */
export function removeHiddenTests(text: string, where: string): string {
  return replaceBlocks(text, markers.hidden, () => [], where).replace(/\s+$/, "");
}

/** A test in a test cell: `check("name", points, …, { timeLimitMs: N })`. */
export interface TestSpec {
  name: string;
  points: number;
  timeLimitMs: number;
}

const checkStart = /(?:^|[^\w$.])check\(\s*("(?:[^"\\]|\\.)*")\s*,\s*(\d+)/g;

/** Each `check(` call's text in a test cell, up to the next one. */
export function testCalls(text: string): string[] {
  const starts = [...text.matchAll(checkStart)];
  return starts.map((match, i) => text.slice(match.index, starts[i + 1]?.index ?? text.length));
}

/** The tests a test cell's source declares, in order. */
export function testsIn(text: string, where: string): TestSpec[] {
  const starts = [...text.matchAll(checkStart)];
  if (starts.length === 0)
    throw new Error(`${where}: a test cell must call check("name", points, fn) with a string literal name and integer points`);
  return starts.map((match, i) => {
    const call = text.slice(match.index, starts[i + 1]?.index ?? text.length);
    const limit = /timeLimitMs:\s*(\d+)/.exec(call);
    return { name: JSON.parse(match[1]) as string, points: Number(match[2]), timeLimitMs: limit ? Number(limit[1]) : 30000 };
  });
}
