/**
 * `proclab grade <submission.ipynb | dir> [--seed N | --student ID] [--json]`: runs a submission with the
 * teacher's tests (restored, hidden ones included) and scores it; writes <submission>.feedback.md.
 *   --json  stdout is one JSON object { score, maxScore, tests } (a folder: { submissions: [{ file, score, maxScore, tests }] }).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { feedbackMarkdown, scoreTable } from "../grading/feedback";
import { gradeSubmission, type GradeOptions, type GradeOutcome } from "../grading/grade";
import { flagHelp, parseCommandLine, UsageError, type FlagSpecs } from "./args";
import type { Command } from "./command";

const flags = {
  seed: { type: "integer", help: "the student's variant seed (as PROCLAB_SEED)" },
  student: { type: "string", help: "the student's id, when variants come from ids (as PROCLAB_STUDENT)" },
  teacher: { type: "string", help: "teacher notebook (default notebooks/homework/<assignment>.ipynb, else notebooks/<assignment>.ipynb)" },
  manifest: { type: "string", help: "manifest written by assign; the teacher notebook must still match it" },
  feedback: { type: "string", help: "folder for <name>.feedback.md (default: next to each submission)" },
  json: { type: "boolean", help: "print one JSON object on stdout" },
  help: { type: "boolean", help: "show this help" },
} as const satisfies FlagSpecs;

const usage = `usage: proclab grade <submission.ipynb | dir> [flags]\n\n${flagHelp(flags)}`;

function submissionsIn(target: string): string[] {
  if (!fs.existsSync(target)) throw new UsageError(`no such submission: ${target}`);
  if (!fs.statSync(target).isDirectory()) return [target];
  const files = fs
    .readdirSync(target)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(target, f));
  if (files.length === 0) throw new UsageError(`${target} holds no .ipynb submissions`);
  return files;
}

function writeFeedback(outcome: GradeOutcome, folder: string | undefined): string {
  const file = path.join(folder ?? path.dirname(outcome.file), `${path.basename(outcome.file, ".ipynb")}.feedback.md`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    feedbackMarkdown(`${outcome.assignment} — ${path.basename(outcome.file)}`, outcome.report, outcome.hidden, outcome.notes),
  );
  return file;
}

export const grade: Command = {
  summary: "grade homework submissions with the teacher's (and hidden) tests; writes feedback",
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, flags);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? "expected a submission notebook or a folder of them"
          : `expected one submission (or one folder), got ${positionals.length}: ${positionals.join(" ")}`,
      );
    }
    const [target] = positionals;
    const options: GradeOptions = { seed: values.seed, student: values.student, teacher: values.teacher, manifest: values.manifest };
    const outcomes: GradeOutcome[] = [];
    for (const file of submissionsIn(target)) {
      const outcome = await gradeSubmission(file, options);
      const feedback = writeFeedback(outcome, values.feedback);
      outcomes.push(outcome);
      if (!values.json) {
        console.log(`${path.basename(file)}\n${scoreTable(outcome.report)}`);
        for (const note of outcome.notes) console.log(`note: ${note}`);
        console.log(`feedback: ${feedback}\n`);
      }
    }
    if (values.json) {
      const single = fs.statSync(target).isDirectory() ? null : outcomes[0];
      console.log(JSON.stringify(single ? single.report : { submissions: outcomes.map((o) => ({ file: o.file, ...o.report })) }));
    }
    return 0;
  },
};
