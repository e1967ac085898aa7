/** The teacher notebooks a command works on: those named, else every notebook in notebooks/homework/. */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../core/paths";

export function teacherNotebooks(named: readonly string[]): string[] {
  if (named.length > 0) return [...named];
  const homework = path.join(projectRoot, "notebooks", "homework");
  return fs
    .readdirSync(homework)
    .filter((f) => f.endsWith(".ipynb"))
    .map((f) => path.join(homework, f));
}
