/**
 * Targets: what a child runs. A function travels as source text and is rebuilt
 * in the fresh child as module code (it sees Node globals and `require`, none of
 * the parent's variables, like Python's spawn start method); a module target
 * names an exported function of a module file or package.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import { projectRoot } from "../core/paths";
import { describeValue } from "./describe";

/** A function (its source is copied), or an exported function of a module (absolute path or package name). */
export type Target = ((...args: never[]) => unknown) | { module: string; export: string };

/** A target as it travels to the child. */
export type WireTarget = { kind: "source"; source: string; name: string } | { kind: "module"; module: string; export: string };

/** `require` for targets: resolves from the working directory, then from the project (so `require("proclab")` works). */
function targetRequire(id: string): unknown {
  try {
    return createRequire(path.join(process.cwd(), "[proclab target]"))(id);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    return createRequire(path.join(projectRoot, "package.json"))(id);
  }
}

/** `require.resolve` for targets, from the same places; throws MODULE_NOT_FOUND naming `id`. */
targetRequire.resolve = (id: string): string => resolveModule(id);

function resolveModule(id: string): string {
  for (const from of [path.join(process.cwd(), "[proclab target]"), path.join(projectRoot, "package.json")]) {
    try {
      return createRequire(from).resolve(id);
    } catch {
      // try the next base
    }
  }
  throw new Error(`target module "${id}" not found from ${process.cwd()} or ${projectRoot}; expected an absolute path or a package name`);
}

/** Why `target` is not a function or `{ module, export }` (one line), or null if it has that shape. */
export function targetProblem(target: unknown): string | null {
  if (typeof target === "function") return null;
  if (typeof target === "object" && target !== null && ("module" in target || "export" in target)) {
    const { module, export: name } = target as Record<string, unknown>;
    if (typeof module !== "string")
      return `target.module must be a string (an absolute path or a package name), got ${describeValue(module)}`;
    if (typeof name !== "string") return `target.export must be a string (the name of an exported function), got ${describeValue(name)}`;
    return null;
  }
  return `target must be a function or { module, export }, got ${describeValue(target)}`;
}

/** Checks a target in the parent and converts it for the trip; throws before any process starts. */
export function toWireTarget(target: Target): WireTarget {
  const problem = targetProblem(target);
  if (problem) throw new TypeError(problem);
  if (typeof target === "function") {
    const source = target.toString();
    if (/\{\s*\[native code\]\s*\}$/.test(source)) {
      throw new TypeError(
        `target ${target.name || "(anonymous)"} is a native or bound function; its source cannot be copied to a child. Pass a function written in JavaScript/TypeScript`,
      );
    }
    return { kind: "source", source: asExpression(source), name: target.name };
  }
  return { kind: "module", module: resolveModule(target.module), export: target.export };
}

/** Method shorthand (`task() {…}`) is not an expression on its own; make it a function expression. */
function asExpression(source: string): string {
  for (const candidate of [source, source.replace(/^(async\s+)?(\*?\s*)/, "$1function $2")]) {
    try {
      new vm.Script(`(${candidate})`);
      return candidate;
    } catch {
      // try the next form
    }
  }
  throw new TypeError(`target source cannot be compiled as a function expression: ${source.slice(0, 80)}`);
}

/** In the child: the callable a wire target stands for. */
export function loadTarget(target: WireTarget): (...args: unknown[]) => unknown {
  if (target.kind === "source") {
    const file = path.join(process.cwd(), `[proclab target ${target.name || "anonymous"}]`);
    const factory = vm.runInThisContext(`(function (require, module, exports, __filename, __dirname) { return (${target.source}); })`, {
      filename: file,
    });
    const module = { exports: {} };
    return factory(targetRequire, module, notebookVariablesGuard(module.exports), file, process.cwd());
  }
  const exported = (require(target.module) as Record<string, unknown>)[target.export];
  if (typeof exported !== "function") {
    throw new TypeError(`target module ${target.module} has no exported function "${target.export}" (found ${typeof exported})`);
  }
  return exported as (...args: unknown[]) => unknown;
}

/**
 * tslab compiles a cell's use of an earlier cell's variable `x` to `exports.x`. In a
 * fresh process that would quietly be `undefined`; make it the ReferenceError it is.
 */
function notebookVariablesGuard(exports: object): object {
  return new Proxy(exports, {
    get(target, key, receiver) {
      if (typeof key === "string" && !(key in target)) throw new ReferenceError(`${key} is not defined`);
      return Reflect.get(target, key, receiver);
    },
  });
}

/** The text a target's uncaught error prints; a ReferenceError gets the fresh-process rule explained. */
export function explainTargetError(error: unknown, processName: string): string {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const missing = error instanceof Error && error.name === "ReferenceError" ? /^(\S+) is not defined$/.exec(error.message) : null;
  if (!missing) return `Process ${processName}:\n${message}\n`;
  const name = missing[1];
  const lines = [
    `Process ${processName}:`,
    message,
    "",
    `Why: ${name} is not defined inside ${processName}. A target runs in a fresh process (like Python's "spawn" start method):`,
    "it sees Node's globals and what it require()s, but none of the variables of the parent process or of the notebook.",
    "Pass values through args (new Process({ target, args: [...] })), or require() modules inside the target.",
  ];
  const imported = /^(.+)_\d+$/.exec(name);
  if (imported) {
    lines.push(
      `"${name}" is how TypeScript compiled an import (import { … } from "${imported[1]}"): inside the target, write`,
      `const { … } = require("${imported[1]}") instead.`,
    );
  }
  return lines.join("\n") + "\n";
}
