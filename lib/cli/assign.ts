/**
 * `proclab assign [notebooks…] --out <dir>`: teacher notebooks → student notebooks
 * (solutions stubbed, hidden tests removed, outputs stripped) plus <dir>/<name>.manifest.json.
 * Without notebooks: every notebook in notebooks/homework/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tr } from "../core/lang";
import { assignNotebook } from "../grading/assign";
import { readNotebook, writeNotebook } from "../grading/notebook";
import { flagHelp, parseCommandLine, UsageError, type FlagSpecs } from "./args";
import type { Command } from "./command";
import { teacherNotebooks } from "./notebooks";

const flags = {
  out: { type: "string", help: "folder for the student notebooks and the teacher-side manifests (required)" },
  help: { type: "boolean", help: "show this help" },
} as const satisfies FlagSpecs;

const usage = `usage: proclab assign [teacher notebooks…] --out <dir>\n\nWrites student versions of homework notebooks (default: notebooks/homework/*.ipynb).\n\n${flagHelp(flags)}`;

export const assign: Command = {
  summary: "write student versions of homework notebooks (solutions stubbed, hidden tests removed)",
  async run(argv) {
    const { values, positionals: files } = parseCommandLine(argv, flags);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (values.out === undefined) throw new UsageError(tr("--out <dir> is required", "必须指定 --out <dir>"));
    const sources = teacherNotebooks(files);
    fs.mkdirSync(values.out, { recursive: true });
    for (const source of sources) {
      const { student, manifest } = assignNotebook(readNotebook(source), source);
      const base = path.join(values.out, path.basename(source, ".ipynb"));
      writeNotebook(`${base}.ipynb`, student);
      fs.writeFileSync(`${base}.manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
      const tests = manifest.cells.flatMap((c) => c.tests ?? []);
      const answers = manifest.cells.filter((c) => c.role === "answer").length;
      const hidden = tests.filter((t) => t.hidden).length;
      const points = tests.reduce((sum, t) => sum + t.points, 0);
      console.log(
        `${path.basename(source)} -> ${base}.ipynb: ${answers} answer cells, ${tests.length} tests (${hidden} hidden), ${points} points`,
      );
    }
    return 0;
  },
};
