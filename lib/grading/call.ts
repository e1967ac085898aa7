/**
 * A student's synchronous answer function, called across a process boundary for its value: the
 * judge (judge.ts) runs this file as a child with { functions, name, args } on stdin, where
 * `functions` are the answer cell's function declarations. Prints one line: { value } or { error }.
 * The student's code runs here, never in the judge; what it prints goes to stderr.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";

interface CallInput {
  functions: string[];
  name: string;
  args: unknown[];
}

function main(): void {
  const input = JSON.parse(fs.readFileSync(0, "utf8")) as CallInput;
  const out = (line: object): void => {
    fs.writeSync(3, `${JSON.stringify(line)}\n`);
  };
  console.log = console.info = console.warn = console.error; // the student's prints: not the result channel
  try {
    // As in a worker: the answer may require() the library and Node's modules.
    const define = vm.runInThisContext(`(function (require) {\n${input.functions.join("\n")}\nreturn ${input.name};\n})`, {
      filename: `answer ${input.name}`,
    }) as (require: NodeJS.Require) => (...args: unknown[]) => unknown;
    const fn = define(createRequire(path.join(process.cwd(), "answer.js")));
    const value = fn(...input.args);
    out(value === undefined ? {} : { value });
  } catch (error) {
    out({ error: error instanceof Error ? error.message : String(error) });
  }
  process.exit(0);
}

if (require.main === module) main();
