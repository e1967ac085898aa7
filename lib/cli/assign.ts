/**
 * `proclab assign [notebooks…] --out <dir>`: teacher notebooks → student notebooks
 * (solutions stubbed, hidden tests removed, outputs stripped) plus <dir>/<name>.manifest.json.
 * Without notebooks: every notebook in notebooks/homework/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { assignNotebook } from "../homework/assign";
import { readNotebook, writeNotebook } from "../homework/notebook";
import { projectRoot } from "../paths";
import { flagHelp, parseFlags, UsageError, type FlagSpec } from "./args";
import type { Command } from "./command";

const flags: Record<string, FlagSpec> = {
  out: { type: "string", help: "folder for the student notebooks and the teacher-side manifests (required)" },
  help: { type: "boolean", help: "show this help" },
};

const usage = `usage: proclab assign [teacher notebooks…] --out <dir>\n\nWrites student versions of homework notebooks (default: notebooks/homework/*.ipynb).\n\n${flagHelp(flags)}`;

function splitArgs(argv: readonly string[]): { files: string[]; rest: string[] } {
  const files: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) {
      rest.push(argv[i]);
      if (argv[i] === "--out" && i + 1 < argv.length) rest.push(argv[++i]);
    } else files.push(argv[i]);
  }
  return { files, rest };
}

export const assign: Command = {
  summary: "write student versions of homework notebooks (solutions stubbed, hidden tests removed)",
  async run(argv) {
    const { files, rest } = splitArgs(argv);
    const values = parseFlags(rest, flags);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (typeof values.out !== "string") throw new UsageError("--out <dir> is required");
    const homework = path.join(projectRoot, "notebooks", "homework");
    const sources = files.length > 0 ? files : fs.readdirSync(homework).filter((f) => f.endsWith(".ipynb")).map((f) => path.join(homework, f));
    fs.mkdirSync(values.out, { recursive: true });
    for (const source of sources) {
      const { student, manifest } = assignNotebook(readNotebook(source), source);
      const base = path.join(values.out, path.basename(source, ".ipynb"));
      writeNotebook(`${base}.ipynb`, student);
      fs.writeFileSync(`${base}.manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
      const tests = manifest.cells.flatMap((c) => c.tests ?? []);
      console.log(`${path.basename(source)} -> ${base}.ipynb: ${manifest.cells.filter((c) => c.role === "answer").length} answer cells, ${tests.length} tests (${tests.filter((t) => t.hidden).length} hidden), ${tests.reduce((s, t) => s + t.points, 0)} points`);
    }
    return 0;
  },
};
