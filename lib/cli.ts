#!/usr/bin/env node
/**
 * `proclab <command> [flags]` (npm run -s proclab -- <command> …): dispatches
 * to the commands listed in cli/commands.ts.
 */
import { UsageError } from "./cli/args";
import { commands } from "./cli/commands";
import { tr } from "./core/lang";

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `usage: proclab <command> [flags]   (proclab <command> --help for its flags)\n\ncommands:\n${lines.join("\n")}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(overview());
    return name === undefined ? 2 : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(
      tr(`proclab: unknown command ${JSON.stringify(name)}`, `proclab: 未知命令 ${JSON.stringify(name)}`) + `\n\n${overview()}`,
    );
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `proclab ${name}: ${error.message}\n` + tr(`(proclab ${name} --help lists the flags)`, `（proclab ${name} --help 会列出所有选项）`),
      );
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      // A failure the user can act on reads as one line; PROCLAB_DEBUG=1 shows where it came from.
      const detail = error instanceof Error ? (process.env.PROCLAB_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
      console.error(`proclab: ${detail}`);
      process.exitCode = 1;
    },
  );
}
