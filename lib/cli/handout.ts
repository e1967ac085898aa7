/**
 * `proclab handout [teacher notebooks…] --out <dir>`: writes <assignment>.solutions.md and
 * <assignment>.rubric.md for the teacher. Without notebooks: every notebook in notebooks/homework/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tr } from "../core/lang";
import { handout as makeHandout } from "../grading/handout";
import { readNotebook } from "../grading/notebook";
import { flagHelp, parseCommandLine, UsageError, type FlagSpecs } from "./args";
import type { Command } from "./command";
import { teacherNotebooks } from "./notebooks";

const flags = {
  out: { type: "string", help: "folder for the handouts (required)" },
  help: { type: "boolean", help: "show this help" },
} as const satisfies FlagSpecs;

const usage = `usage: proclab handout [teacher notebooks…] --out <dir>\n\nWrites the solutions handout and the rubric of homework notebooks (default: notebooks/homework/*.ipynb).\n\n${flagHelp(flags)}`;

export const handout: Command = {
  summary: "write the solutions handout and the rubric (tests, points, hidden ones described) for teachers",
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, flags);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (values.out === undefined) throw new UsageError(tr("--out <dir> is required", "必须指定 --out <dir>"));
    const files = teacherNotebooks(positionals);
    for (const file of files)
      if (!fs.existsSync(file)) throw new UsageError(tr(`no such teacher notebook: ${file}`, `教师笔记本不存在：${file}`));
    const made = files.map((file) => makeHandout(readNotebook(file), file)); // all checked before anything is written
    try {
      fs.mkdirSync(values.out, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        tr(
          `--out ${JSON.stringify(values.out)}: cannot make the folder (${code})`,
          `--out ${JSON.stringify(values.out)}：无法创建文件夹（${code}）`,
        ),
      );
    }
    for (const { assignment, solutions, rubric } of made) {
      for (const [kind, text] of [
        ["solutions", solutions],
        ["rubric", rubric],
      ] as const) {
        const file = path.join(values.out, `${assignment}.${kind}.md`);
        fs.writeFileSync(file, text);
        console.log(`wrote ${file}`);
      }
    }
    return 0;
  },
};
