/**
 * `proclab grade <submission.ipynb | folder> [flags]`: runs submissions against the teacher's
 * tests (hidden ones included), each in a sandbox, several at once; writes feedback (Markdown
 * and HTML) and, for a folder, the gradebook. A folder is nbgrader's layout
 * (`submitted/<student>/<assignment>.ipynb` or `submitted/<student>/<assignment>/<name>.ipynb`;
 * each student's variant comes from their folder name) or a flat folder of notebooks.
 *   --json  stdout is one JSON object: a file's { score, maxScore, tests }, or { submissions: [...] }.
 * A submission that cannot be graded scores 0 with the reason; the exit code is 0 once every
 * submission has a score, 2 for a mistake in the command (nothing was graded).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findSubmissions, gradeBatch, progressLine, type BatchResult, type Layout } from "../grading/batch";
import { feedbackHtml, feedbackMarkdown, plainText, scoreTable } from "../grading/feedback";
import { loadAssignment, type GradeOptions } from "../grading/grade";
import { editionOf, readNotebook } from "../grading/notebook";
import { tr, type Language } from "../core/lang";
import { updateGradebook, type GradebookRow } from "../grading/gradebook";
import { defaultLimits, groupLimits, sandboxProblem } from "../grading/sandbox";
import { flagHelp, parseCommandLine, UsageError, type FlagSpecs } from "./args";
import type { Command } from "./command";

const flags = {
  seed: { type: "integer", help: "the variant seed for every submission (as PROCLAB_SEED)" },
  student: {
    type: "string",
    help: "the student's id, when variants come from ids (as PROCLAB_STUDENT; nbgrader folders name each student)",
  },
  teacher: { type: "string", help: "teacher notebook (default notebooks/homework/<assignment>.ipynb, else notebooks/<assignment>.ipynb)" },
  manifest: { type: "string", help: "manifest written by assign; the teacher notebook must still match it" },
  feedback: {
    type: "string",
    help: "folder for feedback files (default: next to each submission; nbgrader: <folder>/feedback/<student>/)",
  },
  gradebook: { type: "string", help: "folder for gradebook.csv and gradebook.json (default: the folder graded; a single file: none)" },
  jobs: { type: "integer", help: `submissions graded at once (default: the number of cores, ${os.cpus().length} here)` },
  "memory-mb": { type: "integer", help: `memory per process in the sandbox, MB (default ${defaultLimits.memoryMb})` },
  "unsafe-no-sandbox": { type: "boolean", help: "grade without bubblewrap (where it cannot run): student code runs with your rights" },
  json: { type: "boolean", help: "print one JSON object on stdout" },
  help: { type: "boolean", help: "show this help" },
} as const satisfies FlagSpecs;

const usage = `usage: proclab grade <submission.ipynb | folder> [flags]\n\n${flagHelp(flags)}`;

/** Makes (or checks) a folder named by a flag, before any grading starts. */
function outputFolder(flag: string, folder: string): string {
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? tr("a file is in the way", "路径上有一个文件挡着")
        : code === "EACCES"
          ? tr("not writable", "没有写权限")
          : code;
    throw new UsageError(
      tr(
        `--${flag} ${JSON.stringify(folder)}: cannot use it as a folder (${why})`,
        `--${flag} ${JSON.stringify(folder)}：无法用作文件夹（${why}）`,
      ),
    );
  }
  return folder;
}

/** A name made safe as one path component (no separators, no "..", no control characters). */
function pathPart(name: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = name.replace(/[/\\\u0000-\u001f]/g, "_").replace(/^\.+/, "_");
  return safe === "" ? "_" : safe.slice(0, 120);
}

function feedbackBase(result: BatchResult, layout: Layout, root: string, folder: string | undefined): string {
  const name = pathPart(result.assignment !== "?" ? result.assignment : path.basename(result.submission.file, ".ipynb"));
  if (layout === "nbgrader") return path.join(folder ?? path.join(root, "feedback"), pathPart(result.submission.student), name);
  return path.join(folder ?? path.dirname(result.submission.file), path.basename(result.submission.file, ".ipynb"));
}

/** The edition of a submission (its metadata), for the feedback's language; English when unreadable. */
function submissionEdition(file: string): Language {
  try {
    return editionOf(readNotebook(file));
  } catch {
    return "en";
  }
}

function writeFeedback(result: BatchResult, base: string): string {
  const title = `${result.assignment} — ${result.submission.student}`;
  const notes = result.failure ? [`not graded: ${result.failure}`] : (result.outcome?.notes ?? []);
  const hidden = result.outcome?.hidden ?? new Set<string>();
  fs.mkdirSync(path.dirname(base), { recursive: true });
  const lang = submissionEdition(result.submission.file);
  fs.writeFileSync(`${base}.feedback.md`, feedbackMarkdown(title, result.report, hidden, notes, lang));
  fs.writeFileSync(`${base}.feedback.html`, feedbackHtml(title, result.report, hidden, notes, lang));
  return `${base}.feedback.md`;
}

function gradebookRow(result: BatchResult): GradebookRow {
  return {
    student: result.submission.student,
    assignment: result.assignment,
    score: result.report.score,
    maxScore: result.report.maxScore,
    status: result.failure ? `not graded: ${result.failure}` : "graded",
    tests: Object.fromEntries(result.report.tests.map((t) => [t.name, t.points])),
    file: path.resolve(result.submission.file),
    gradedAt: new Date().toISOString(),
  };
}

export const grade: Command = {
  summary: "grade homework submissions (a class at once) in a sandbox; writes feedback and a gradebook",
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, flags);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? tr("expected a submission notebook or a folder of them", "需要一个提交的笔记本，或一个放着提交笔记本的文件夹")
          : tr(
              `expected one submission (or one folder), got ${positionals.length}: ${positionals.join(" ")}`,
              `只能给一个提交（或一个文件夹），实际给了 ${positionals.length} 个：${positionals.join(" ")}`,
            ),
      );
    }
    // Everything is checked before the first submission runs.
    const [target] = positionals;
    let found: ReturnType<typeof findSubmissions>;
    try {
      found = findSubmissions(target);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.jobs !== undefined && values.jobs < 1)
      throw new UsageError(tr(`--jobs must be at least 1, got ${values.jobs}`, `--jobs 至少为 1，实际为 ${values.jobs}`));
    const memoryMb = values["memory-mb"];
    if (memoryMb !== undefined && memoryMb < 768)
      throw new UsageError(
        tr(
          `--memory-mb must be at least 768 (Node needs it to start), got ${memoryMb}`,
          `--memory-mb 至少为 768（Node 启动就需要这么多），实际为 ${memoryMb}`,
        ),
      );
    if (values.seed !== undefined && values.student !== undefined)
      throw new UsageError(tr("pass --seed or --student, not both", "--seed 和 --student 只能给一个，不能同时给"));
    const sandbox = !values["unsafe-no-sandbox"];
    const problem = sandbox ? sandboxProblem() : null;
    if (problem)
      throw new UsageError(
        tr(
          `${problem}. Grading runs student code; without a sandbox it runs with your rights. If you accept that, pass --unsafe-no-sandbox`,
          `${problem}。评分会运行学生的代码；没有沙箱时，这些代码以你的权限运行。如果你接受这一点，请加上 --unsafe-no-sandbox`,
        ),
      );
    const options: GradeOptions = {
      seed: values.seed,
      student: values.student,
      teacher: values.teacher,
      manifest: values.manifest,
      sandbox,
      ...(memoryMb !== undefined ? { limits: { memoryMb } } : {}),
    };
    if (values.teacher !== undefined) {
      if (!fs.existsSync(values.teacher))
        throw new UsageError(
          tr(`--teacher ${JSON.stringify(values.teacher)}: no such file`, `--teacher ${JSON.stringify(values.teacher)}：文件不存在`),
        );
      try {
        options.assignment = loadAssignment(values.teacher, values.manifest);
      } catch (error) {
        const message = (error as Error).message;
        throw new UsageError(
          tr(`--teacher ${JSON.stringify(values.teacher)}: ${message}`, `--teacher ${JSON.stringify(values.teacher)}：${message}`),
        );
      }
    }
    const feedbackFolder = values.feedback !== undefined ? outputFolder("feedback", values.feedback) : undefined;
    const gradebookFolder =
      values.gradebook !== undefined ? outputFolder("gradebook", values.gradebook) : found.layout === "file" ? undefined : found.root;

    const live = process.stderr.isTTY === true;
    if (!sandbox)
      console.error(
        tr(
          "WARNING: grading without a sandbox (--unsafe-no-sandbox): submissions run with your rights",
          "警告：正在不用沙箱评分（--unsafe-no-sandbox）：提交的代码以你的权限运行",
        ),
      );
    else if (groupLimits() === "none")
      console.error(
        tr(
          "note: no cgroup could be made here, so the number of processes a submission starts is not limited (only its time)",
          "注意：这里无法创建 cgroup，所以不限制一份提交启动的进程数（只限制它的运行时间）",
        ),
      );
    const results = await gradeBatch(found.submissions, {
      ...options,
      jobs: values.jobs ?? os.cpus().length,
      onResult(result, progress) {
        let feedback: string;
        try {
          feedback = writeFeedback(result, feedbackBase(result, found.layout, found.root, feedbackFolder));
        } catch (error) {
          // One submission's feedback that cannot be written never stops the batch (nor the gradebook).
          feedback = `not written (${(error as Error).message.split("\n")[0]})`;
        }
        if (values.json) return;
        if (found.layout === "file") {
          console.log(`${path.basename(result.submission.file)}\n${scoreTable(result.report)}`);
          for (const note of result.failure ? [`not graded: ${result.failure}`] : (result.outcome?.notes ?? []))
            console.log(`note: ${note}`);
          console.log(`feedback: ${feedback}`);
          return;
        }
        const line = `${progressLine(progress)} — ${result.submission.student}: ${result.report.score}/${result.report.maxScore}${result.failure ? ` (not graded: ${plainText(result.failure)})` : ""}`;
        if (live) process.stderr.write(`\r\x1b[K${line}${progress.done === progress.total ? "\n" : ""}`);
        else console.error(line);
      },
    });
    const book = gradebookFolder ? updateGradebook(gradebookFolder, results.map(gradebookRow)) : null;
    if (values.json) {
      const entries = results.map((r) => ({
        file: r.submission.file,
        student: r.submission.student,
        ...r.report,
        ...(r.failure ? { failure: r.failure } : {}),
        ...(r.outcome ? { timing: r.outcome.timing } : {}),
      }));
      console.log(JSON.stringify(found.layout === "file" ? results[0].report : { submissions: entries }));
    } else if (found.layout !== "file") {
      const width = Math.max(7, ...results.map((r) => r.submission.student.length));
      console.log(`${"student".padEnd(width)}  score`);
      for (const r of results)
        console.log(
          `${r.submission.student.padEnd(width)}  ${`${r.report.score}/${r.report.maxScore}`.padStart(5)}${r.failure ? `  not graded: ${plainText(r.failure)}` : ""}`,
        );
    }
    if (book && !values.json) console.log(`gradebook: ${book.csv} and ${book.json}`);
    return 0;
  },
};
