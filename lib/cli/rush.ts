/**
 * `proclab rush`: run the ticket rush from a terminal.
 *   --json  stdout is exactly one JSON object { config, trials, summary }; progress goes to stderr.
 * Every flag is checked (via rushConfig) before db.json is touched.
 */
import { rushConfig, rushDefaults, RushConfigError, type RushConfig } from "../tickets/config";
import { summaryTable, trialRow } from "../tickets/outcome";
import { runRush } from "../tickets/rush";
import { strategyNames } from "../tickets/strategies";
import { flagHelp, parseFlags, UsageError, type FlagSpec } from "./args";
import type { Command } from "./command";

const flags: Record<string, FlagSpec> = {
  buyers: { type: "integer", help: `buyer processes (default ${rushDefaults.buyers})` },
  tickets: { type: "integer", help: `tickets for sale (default ${rushDefaults.tickets})` },
  strategy: { type: "string", help: `${strategyNames.join(" | ")} (default ${rushDefaults.strategy})` },
  trials: { type: "integer", help: `rushes to run (default ${rushDefaults.trials})` },
  think: { type: "number", help: `mean ms between a buyer's read and write (default ${rushDefaults.thinkMs})` },
  work: { type: "number", help: `mean ms of non-file work before show() (default ${rushDefaults.workMs})` },
  "write-ms": { type: "number", help: `ms a truncating write leaves the file empty (default ${rushDefaults.writeMs})` },
  seed: { type: "integer", help: `seed of the think/work times (default ${rushDefaults.seed})` },
  db: { type: "string", help: "database file (default data/db.json)" },
  json: { type: "boolean", help: "print one JSON object { config, trials, summary } on stdout" },
  echo: { type: "boolean", help: "let buyers print the article's lines (剩余票数, 购买成功)" },
  help: { type: "boolean", help: "show this help" },
};

/** Which flag sets which setting, so config errors name the flag the user typed. */
const flagOf: Record<keyof RushConfig, string> = {
  buyers: "buyers",
  tickets: "tickets",
  strategy: "strategy",
  trials: "trials",
  thinkMs: "think",
  workMs: "work",
  writeMs: "write-ms",
  seed: "seed",
  db: "db",
};

export const usage = `usage: proclab rush [flags]\n\nRuns the ticket rush (抢票) on db.json and reports oversold tickets, torn reads and corrupt files.\n\n${flagHelp(flags)}`;

/** Flags to a checked RushConfig; throws UsageError naming the flag. */
export function rushConfigFromArgs(argv: readonly string[]): { config: RushConfig; json: boolean; echo: boolean; help: boolean } {
  const values = parseFlags(argv, flags);
  const settings: Partial<Record<keyof RushConfig, unknown>> = {};
  for (const [field, flag] of Object.entries(flagOf) as [keyof RushConfig, string][]) {
    if (values[flag] !== undefined) settings[field] = values[flag];
  }
  try {
    return { config: rushConfig(settings), json: values.json === true, echo: values.echo === true, help: values.help === true };
  } catch (error) {
    if (error instanceof RushConfigError) {
      throw new UsageError(`--${flagOf[error.field]}: ${error.message.replace(/^\w+ must/, "must")}`);
    }
    throw error;
  }
}

export const rush: Command = {
  summary: "run the ticket rush (抢票) and report oversold tickets, torn reads, corrupt files",
  async run(argv) {
    const { config, json, echo, help } = rushConfigFromArgs(argv);
    if (help) {
      console.log(usage);
      return 0;
    }
    const result = await runRush({ ...config, echo: echo && !json });
    if (json) {
      process.stdout.write(`${JSON.stringify({ config: result.config, trials: result.trials.map(trialRow), summary: result.summary })}\n`);
    } else {
      console.log(summaryTable([result]));
      if (result.summary.errors > 0) console.log(`${result.summary.errors} buyer process(es) failed; first: ${result.trials.flatMap((t) => t.errors)[0]}`);
    }
    return result.summary.errors > 0 ? 1 : 0;
  },
};
