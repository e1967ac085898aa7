/**
 * The student's answers as the judge sees them: only the functions the teacher's answer cell
 * declares (`buyer`, `main`), cut out of the student's answer cell by the TypeScript compiler
 * and compiled to JavaScript. Nothing else of the cell ever reaches the judge: top-level
 * statements, helpers with the names of the tests' helpers, patches to built-ins. A function
 * declaration runs nothing when it is defined; its body runs only where the tests call it, and
 * the course's checks call it in child processes (buyers, mains), never in the judge.
 */
import type * as TypeScript from "typescript";

let compiler: typeof TypeScript | null = null;
/** Loaded on first use: the compiler is large, and only grading needs it. */
function ts(): typeof TypeScript {
  compiler ??= require("typescript") as typeof TypeScript;
  return compiler;
}

export interface AnswerFunction {
  name: string;
  /** JavaScript: exactly one function declaration. */
  js: string;
}

export interface CellAnswers {
  functions: AnswerFunction[];
  /** What the judge did not take, and why (for the feedback's notes). */
  notes: string[];
}

function topLevelFunctions(source: string): Map<string, TypeScript.FunctionDeclaration> {
  const file = ts().createSourceFile("cell.ts", source, ts().ScriptTarget.ES2022, true, ts().ScriptKind.TS);
  const found = new Map<string, TypeScript.FunctionDeclaration>();
  for (const statement of file.statements) {
    if (ts().isFunctionDeclaration(statement) && statement.name && statement.body) found.set(statement.name.text, statement);
  }
  return found;
}

/** The names of the functions a teacher's answer cell declares: what the student must write. */
export function answerNames(teacherSource: string): string[] {
  return [...topLevelFunctions(teacherSource).keys()];
}

/** The teacher's async functions among them: the judge calls these in a worker, the others for a plain value. */
export function asyncAnswerNames(teacherSource: string): string[] {
  return [...topLevelFunctions(teacherSource)]
    .filter(([, node]) => node.modifiers?.some((m) => m.kind === ts().SyntaxKind.AsyncKeyword) === true)
    .map(([name]) => name);
}

/** Compiles one declaration; throws unless the result is one function declaration and nothing else. */
function compiled(declaration: string, name: string): string {
  const output = ts().transpileModule(declaration, {
    compilerOptions: { target: ts().ScriptTarget.ES2022, module: ts().ModuleKind.ESNext, removeComments: false },
    reportDiagnostics: false,
  }).outputText;
  const parsed = ts().createSourceFile("answer.js", output, ts().ScriptTarget.ES2022, true, ts().ScriptKind.JS);
  const [only, ...rest] = parsed.statements;
  if (!only || rest.length > 0 || !ts().isFunctionDeclaration(only) || only.name?.text !== name)
    throw new Error(`${name} did not compile to a single function declaration`);
  return output.trim();
}

/** A stand-in for a function the student did not write: its tests fail with this reason. */
function missing(name: string, why: string): AnswerFunction {
  return { name, js: `function ${name}() {\n  throw new Error(${JSON.stringify(why)});\n}` };
}

/**
 * The functions `names` from a student's answer cell `source` (`label` names the cell in notes).
 * A name the cell does not declare as a function becomes a function that throws why.
 */
export function answerFunctions(source: string, names: readonly string[], label: string): CellAnswers {
  const declared = topLevelFunctions(source);
  const notes: string[] = [];
  const functions = names.map((name) => {
    const node = declared.get(name);
    if (!node) {
      notes.push(`${label} declares no function ${name}: its tests score 0`);
      return missing(name, `${label} declares no function ${name}(...) { ... }`);
    }
    try {
      return { name, js: compiled(node.getText(), name) };
    } catch (error) {
      notes.push(`${label}: ${(error as Error).message}`);
      return missing(name, `${name} could not be compiled`);
    }
  });
  const others = topLevelStatementCount(source) - functions.filter((f) => declared.has(f.name)).length;
  if (others > 0)
    notes.push(
      `${label}: ${others} top-level statement(s) besides ${names.join(" and ")} are not run when grading (each function must stand alone)`,
    );
  return { functions, notes };
}

function topLevelStatementCount(source: string): number {
  return ts().createSourceFile("cell.ts", source, ts().ScriptTarget.ES2022, false, ts().ScriptKind.TS).statements.length;
}
