/**
 * A student's synchronous answer function, called across a process boundary for its value: the
 * judge (judge.ts) runs this file as a child with { functions, name, args } on stdin, where
 * `functions` are the answer cell's function declarations. Prints one line: { value } or { error }.
 * The student's code runs here, never in the judge; what it prints goes to stderr.
 */
import * as fs from "node:fs";
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
    const fn = vm.runInThisContext(`${input.functions.join("\n")}\n;${input.name}`, { filename: `answer ${input.name}` }) as (
      ...args: unknown[]
    ) => unknown;
    const value = fn(...input.args);
    out(value === undefined ? {} : { value });
  } catch (error) {
    out({ error: error instanceof Error ? error.message : String(error) });
  }
  process.exit(0);
}

if (require.main === module) main();
