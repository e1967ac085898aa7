/**
 * The settings of a rush: defaults, and checks that name the bad setting
 * (the CLI maps `field` to its flag) before anything touches db.json — the db path included:
 * a regular file, or a new one in an existing writable folder.
 */
import * as path from "node:path";
import { tr } from "../core/lang";
import { defaultDbPath } from "../core/paths";
import { showInput } from "../core/text";
import { dbPathProblem } from "./db";
import { getStrategy, type StrategyName } from "./strategies";

export interface RushConfig {
  buyers: number;
  tickets: number;
  strategy: StrategyName;
  /** Mean think time between a buyer's read and write, ms (each draw is uniform in [0.5, 1.5] × thinkMs). */
  thinkMs: number;
  /** Mean non-file work before show(), ms (same spread); the part `coarse` needlessly locks. */
  workMs: number;
  /** Truncating writes only: ms the file stays empty between truncation and data. */
  writeMs: number;
  trials: number;
  seed: number;
  /** Path of the database file. */
  db: string;
}

export const rushDefaults: Readonly<Omit<RushConfig, "db">> = {
  buyers: 7,
  tickets: 1,
  strategy: "none",
  thinkMs: 10,
  workMs: 5,
  writeMs: 1,
  trials: 1,
  seed: 1,
};

/** Upper bounds that keep a typo from starting thousands of processes or an hour-long run. */
const rushLimits = { buyers: 64, tickets: 1_000_000, trials: 100_000, ms: 10_000 } as const;

/**
 * A bad setting: `field` is the RushConfig key, `problem` what is wrong with its value
 * ("must be an integer from 1 to 64, got 0"); a caller with other names for the fields (the
 * CLI's flags) says `--buyers: ${problem}`.
 */
export class RushConfigError extends TypeError {
  constructor(
    readonly field: keyof RushConfig,
    readonly problem: string,
    message = tr(`${field} ${problem}`, `${field}：${problem}`),
  ) {
    super(message);
    this.name = "RushConfigError";
  }
}

const shown = (value: unknown): string => showInput(value);

function integer(field: keyof RushConfig, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RushConfigError(
      field,
      tr(`must be an integer from ${min} to ${max}, got ${shown(value)}`, `应为 ${min} 到 ${max} 之间的整数，实际为 ${shown(value)}`),
    );
  }
  return value;
}

function milliseconds(field: keyof RushConfig, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > rushLimits.ms) {
    throw new RushConfigError(
      field,
      tr(
        `must be a number of milliseconds from 0 to ${rushLimits.ms}, got ${shown(value)}`,
        `应为 0 到 ${rushLimits.ms} 之间的毫秒数，实际为 ${shown(value)}`,
      ),
    );
  }
  return value;
}

/** Fills in defaults and checks every setting; throws RushConfigError naming the first bad one. */
export function rushConfig(options: Partial<Record<keyof RushConfig, unknown>> = {}): RushConfig {
  const pick = <K extends keyof RushConfig>(key: K): unknown =>
    options[key] === undefined ? (rushDefaults as Partial<RushConfig>)[key] : options[key];
  let strategy: StrategyName;
  try {
    strategy = getStrategy(String(pick("strategy"))).name;
  } catch (error) {
    throw new RushConfigError("strategy", (error as Error).message, (error as Error).message);
  }
  const db = options.db === undefined ? defaultDbPath : options.db;
  if (typeof db !== "string" || db === "")
    throw new RushConfigError("db", tr(`must be a file path, got ${shown(db)}`, `应为文件路径，实际为 ${shown(db)}`));
  const config = {
    buyers: integer("buyers", pick("buyers"), 1, rushLimits.buyers),
    tickets: integer("tickets", pick("tickets"), 0, rushLimits.tickets),
    strategy,
    thinkMs: milliseconds("thinkMs", pick("thinkMs")),
    workMs: milliseconds("workMs", pick("workMs")),
    writeMs: milliseconds("writeMs", pick("writeMs")),
    trials: integer("trials", pick("trials"), 1, rushLimits.trials),
    seed: integer("seed", pick("seed"), 0, 2 ** 32 - 1),
    db: path.resolve(db),
  };
  // Last, so that a typo in a number is named first; checks metadata only, creates nothing.
  const problem = dbPathProblem(config.db);
  if (problem) throw new RushConfigError("db", problem);
  return config;
}
