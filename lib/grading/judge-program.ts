/**
 * The judge's program: the teacher's notebook as one script, compiled once per assignment. Its
 * setup and given cells run as written; each answer cell becomes `const buyer = judge.answer("buyer")`
 * (a stand-in carrying the student's source: grading/answers.ts); each test cell runs in its own
 * block, so a test cell that throws costs only its own tests (and what it declares stays in it:
 * later cells see only the setup and given cells' names). The program holds the hidden tests:
 * it reaches the judge through a pipe, never as a file a submission could read.
 */
import type * as TypeScript from "typescript";
import { answerNames, asyncAnswerNames } from "./answers";
import type { Manifest } from "./assign";
import { sourceOf, type Notebook } from "./notebook";

export interface JudgeProgram {
  /** JavaScript: an expression, `(async function (exports, require, module, judge) { … })`. */
  js: string;
  /** Per answer cell id, the names of the functions it must declare. */
  answers: Record<string, string[]>;
  /** The answers the teacher declared async. */
  asyncNames: string[];
}

export function judgeProgram(teacher: Notebook, manifest: Manifest): JudgeProgram {
  const answers: Record<string, string[]> = {};
  const asyncNames: string[] = [];
  const parts: string[] = [];
  teacher.cells.forEach((cell, index) => {
    const entry = manifest.cells[index];
    if (cell.cell_type !== "code") return;
    const text = sourceOf(cell);
    const id = JSON.stringify(entry.id);
    if (entry.role === "answer") {
      answers[entry.id] = answerNames(text);
      asyncNames.push(...asyncAnswerNames(text));
      for (const name of answers[entry.id]) parts.push(`const ${name} = judge.answer(${JSON.stringify(name)});`);
    } else if (entry.role === "test") {
      parts.push(`{\nawait judge.enter(${id});\ntry {\n${text}\n} catch (error) {\njudge.failed(error);\n}\n}`);
    } else {
      parts.push(text);
    }
  });
  const ts = require("typescript") as typeof TypeScript;
  const js = ts.transpileModule(parts.join("\n;\n"), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: false },
    reportDiagnostics: false,
  }).outputText;
  return { js: `(async function (exports, require, module, judge) {\n${js}\n})`, answers, asyncNames };
}
