/**
 * `proclab rush`: run the ticket rush from a terminal.
 *   --json  stdout is exactly one JSON object { config, trials, summary }; progress goes to stderr.
 *   --schedule "AABB…" | random, --record <file>, --replay <file>: chosen, recorded and replayed
 *           interleavings (then the JSON also has "schedules", and "replay").
 * Every flag is checked (via rushConfig, and the schedule against it) before db.json is touched;
 * a path flag that cannot be used (--db a folder or FIFO, --record in a missing folder…) is one
 * line `proclab rush: --db: …`, exit 2. Only one rush at a time per db.json (exit 1 naming the other).
 * SIGINT / SIGTERM stop the rush: the trial under way ends, db.json is left valid, the results so far
 * and what the interrupted trial showed are printed, exit 130 / 143.
 */
import * as path from "node:path";
import { tr } from "../core/lang";
import { quoteInput, showInput } from "../core/text";
import { ScheduleError } from "../schedule/parse";
import { interleavingText } from "../schedule/text";
import { rushDefaults, RushConfigError, type RushConfig } from "../tickets/config";
import { summaryTable, trialRow } from "../tickets/outcome";
import { RushBusyError } from "../tickets/claim";
import {
  loadRecording,
  recordingPathProblem,
  replayRecording,
  rushRecording,
  saveRecording,
  type RushRecording,
} from "../tickets/recording";
import type { ScheduleSpec } from "../tickets/rush-schedule";
import { planRush, runRush, type RushInterruption, type RushResult } from "../tickets/rush";
import { strategyNames } from "../tickets/strategies";
import { flagHelp, parseCommandLine, UsageError, type FlagSpecs, type FlagValues } from "./args";
import type { Command } from "./command";
import { storeRush } from "./store-rush";

const flags = {
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
  schedule: {
    type: "string",
    help: 'run each trial under this interleaving: one letter per step ("AABBCC": A, A, B…), or random (from --seed)',
  },
  record: { type: "string", help: "save each trial's interleaving and outcome to this file (replay it with --replay)" },
  replay: { type: "string", help: "run the interleavings saved by --record again and compare outcomes (settings come from the file)" },
  help: { type: "boolean", help: "show this help" },
} as const satisfies FlagSpecs;

type RushFlags = FlagValues<typeof flags>;

/** Which flag sets which setting, so config errors name the flag the user typed. */
const flagOf = {
  buyers: "buyers",
  tickets: "tickets",
  strategy: "strategy",
  trials: "trials",
  thinkMs: "think",
  workMs: "work",
  writeMs: "write-ms",
  seed: "seed",
  db: "db",
} as const satisfies Record<keyof RushConfig, keyof typeof flags>;

/** A bad path flag (or another input that --help cannot fix): printed as one line, exit 2. */
class InputError extends Error {
  override name = "InputError";
}

/** `--flag: problem`, with the colon of the learner's language. */
function flagProblem(flag: string, problem: string): string {
  return tr(`--${flag}: ${problem}`, `--${flag}：${problem}`);
}

/** Exit statuses after a stop by signal, as a shell reports a process killed by it (128 + N). */
const signalStatus: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

export const usage = `usage: proclab rush [flags]\n\nRuns the ticket rush (抢票) on db.json and reports oversold tickets, torn reads and corrupt files.\n\n${flagHelp(flags)}\n\nOn a shared server instead (the class rush): proclab rush --store <url> --help`;

/** Flags to a checked RushConfig (and schedule); throws UsageError naming the flag. */
function rushConfigFromArgs(argv: readonly string[]): {
  config: RushConfig;
  json: boolean;
  echo: boolean;
  schedule?: ScheduleSpec;
  record?: string;
  replay?: RushRecording;
} {
  const { values, positionals } = parseCommandLine(argv, flags);
  if (positionals.length > 0)
    throw new UsageError(
      tr(
        `unexpected argument ${quoteInput(positionals[0])}; rush takes only flags`,
        `多余的参数 ${quoteInput(positionals[0])}；rush 只接受选项`,
      ),
    );
  const settings: Partial<Record<keyof RushConfig, unknown>> = {};
  for (const [field, flag] of Object.entries(flagOf) as [keyof RushConfig, keyof typeof flags][]) {
    if (values[flag] !== undefined) settings[field] = values[flag];
  }
  const replay = values.replay === undefined ? undefined : recordingFromFlag(values.replay, values);
  if (replay)
    Object.assign(settings, { strategy: replay.strategy, buyers: replay.buyers, tickets: replay.tickets, trials: replay.runs.length });
  const schedule: ScheduleSpec | undefined = replay ? (trial) => replay.runs[trial - 1].schedule : values.schedule;
  let config: RushConfig;
  try {
    config = planRush({ ...settings, schedule }).config;
  } catch (error) {
    if (error instanceof RushConfigError && error.field === "db") throw new InputError(flagProblem("db", error.problem));
    if (error instanceof RushConfigError) throw new UsageError(flagProblem(flagOf[error.field], error.problem));
    if (error instanceof ScheduleError) throw new UsageError(flagProblem(replay ? "replay" : "schedule", error.message));
    throw error;
  }
  // Checked now, not after the rush: a recording that cannot be saved would lose its results.
  if (values.record !== undefined) {
    const problem = recordingPathProblem(values.record);
    if (problem) throw new InputError(flagProblem("record", problem));
    if (path.resolve(values.record) === config.db)
      throw new InputError(
        tr(
          `--record: ${values.record} is the --db file; the recording would replace the ticket database`,
          `--record：${values.record} 就是 --db 指定的文件；录制会覆盖票务数据库`,
        ),
      );
  }
  return { config, json: values.json === true, echo: values.echo === true, schedule: values.schedule, record: values.record, replay };
}

/** A recording for --replay; its settings replace --strategy, --buyers, --tickets, --trials, which must not differ. */
function recordingFromFlag(file: string, values: RushFlags): RushRecording {
  if (values.schedule !== undefined)
    throw new UsageError(
      tr(
        "--replay and --schedule exclude each other: a replay runs the recorded schedules",
        "--replay 和 --schedule 不能同时使用：回放运行的是录制下来的调度",
      ),
    );
  let recording: RushRecording;
  try {
    recording = loadRecording(file);
  } catch (error) {
    if (error instanceof ScheduleError || error instanceof TypeError) throw new InputError(flagProblem("replay", (error as Error).message));
    throw error;
  }
  const fromFile = { strategy: recording.strategy, buyers: recording.buyers, tickets: recording.tickets, trials: recording.runs.length };
  for (const [flag, value] of Object.entries(fromFile) as [keyof typeof fromFile, string | number][]) {
    if (values[flag] !== undefined && values[flag] !== value) {
      throw new UsageError(
        tr(
          `--${flag} ${showInput(values[flag])} differs from the recording ${file} (${flag} ${value}); leave it out when replaying`,
          `--${flag} ${showInput(values[flag])} 与录制文件 ${file} 中的设置（${flag} ${value}）不同；回放时请不要指定它`,
        ),
      );
    }
  }
  return recording;
}

/** Per trial: its interleaving, and the outcome it gave. */
function scheduleRows(
  result: RushResult,
): Array<{ source: string; schedule: string; sold: number; left: number | null; problem: string | null }> {
  return result.interleavings.map((interleaving, i) => ({
    source: interleaving.source,
    schedule: interleaving.schedule,
    sold: result.trials[i].sold,
    left: result.trials[i].left,
    problem: interleaving.problem,
  }));
}

/** What a stop by signal left: the trials completed, the interrupted one, db.json. */
function interruptionLines(result: RushResult, stop: RushInterruption): string[] {
  const { config } = result;
  const completed = `${result.trials.length} of ${config.trials} trial(s) completed`;
  const lines = [
    stop.trial === null
      ? `interrupted by ${stop.reason} before trial ${result.trials.length + 1} began: ${completed}`
      : `interrupted by ${stop.reason} during trial ${stop.trial}: ${completed}`,
  ];
  if (stop.last) {
    const t = stop.last;
    const db = t.left === null ? `db.json unparsable (${showInput(t.corruptText ?? "", 40)})` : `left ${t.left}`;
    const stopped = stop.stopped > 0 ? `${stop.stopped} of ${config.buyers} buyer(s) stopped before they ended` : "every buyer ended";
    lines.push(
      `trial ${t.trial} (interrupted, not counted; ${stopped}): sold ${t.sold} of ${t.tickets}, ${db}, oversold ${t.oversold}, torn reads ${t.tornReads}`,
    );
  }
  lines.push(`${config.db}: ${stop.db}`);
  return lines;
}

export const rush: Command = {
  summary: "run the ticket rush (抢票) and report oversold tickets, torn reads, corrupt files",
  async run(argv) {
    // On a shared server instead of db.json: a flag set of its own (store-rush.ts).
    if (argv.some((arg) => arg === "--store" || arg.startsWith("--store="))) return storeRush(argv);
    // --help wins over any other flag, even a bad one.
    if (argv.includes("--help")) {
      console.log(usage);
      return 0;
    }
    let args: ReturnType<typeof rushConfigFromArgs>;
    try {
      args = rushConfigFromArgs(argv);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      console.error(`proclab rush: ${error.message}`);
      return 2;
    }
    const { config, json, echo, schedule, record, replay } = args;

    // Ctrl-C / SIGTERM: stop the rush cleanly instead of dying with buyers mid-write (db.json left empty).
    const controller = new AbortController();
    let stoppedBy: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stoppedBy) {
        console.error(`proclab rush: ${signal} again: still stopping (the buyers end, then ${config.db} is left valid)`);
        return;
      }
      stoppedBy = signal;
      console.error(
        `proclab rush: ${signal}: stopping after the trial under way (its buyers are stopped after 1 s); ${config.db} is left valid`,
      );
      controller.abort(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const options = { ...config, echo: echo && !json, signal: controller.signal };
    let replayed: Awaited<ReturnType<typeof replayRecording>> | null;
    let result: RushResult;
    try {
      replayed = replay ? await replayRecording(replay, options) : null;
      result = replayed ? replayed.result : await runRush({ ...options, schedule });
    } catch (error) {
      if (!(error instanceof RushBusyError)) throw error;
      console.error(`proclab rush: ${error.message}`);
      return 1;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    const stopped = result.interrupted;
    const stepped = schedule !== undefined || record !== undefined || replayed !== null;
    const problems = stepped ? result.interleavings.filter((i) => i.source !== "recorded" && i.problem).map((i) => i.problem) : [];
    if (json) {
      const extra = {
        ...(stepped ? { schedules: scheduleRows(result) } : {}),
        ...(replayed ? { replay: { same: replayed.same, runs: replayed.runs } } : {}),
        ...(stopped
          ? {
              interrupted: {
                reason: stopped.reason,
                trial: stopped.trial,
                completed: result.trials.length,
                last: stopped.last ? { ...trialRow(stopped.last), errors: stopped.last.errors } : null,
                stopped: stopped.stopped,
                db: stopped.db,
              },
            }
          : {}),
      };
      process.stdout.write(
        `${JSON.stringify({ config: result.config, trials: result.trials.map(trialRow), summary: result.summary, ...extra })}\n`,
      );
      if (stopped) for (const line of interruptionLines(result, stopped)) console.error(`proclab rush: ${line}`);
    } else {
      if (stepped && result.trials.length === 1) console.log(`${interleavingText(result.interleavings[0], config.tickets)}\n`);
      else if (stepped)
        for (const [i, row] of scheduleRows(result).entries())
          console.log(`trial ${i + 1}: ${row.source} ${row.schedule} → sold ${row.sold}, left ${row.left}`);
      if (result.trials.length > 0) console.log(summaryTable([result]));
      if (result.summary.errors > 0)
        console.log(`${result.summary.errors} buyer process(es) failed; first: ${result.trials.flatMap((t) => t.errors)[0]}`);
      if (replayed)
        console.log(
          replayed.same ? "replay: every trial gave its recorded outcome" : "replay: some trials differ from the recording (see --json)",
        );
      if (stopped) for (const line of interruptionLines(result, stopped)) console.log(line);
    }
    for (const problem of new Set(problems)) console.error(`proclab rush: ${problem}`);
    let saveFailed = false;
    if (record && result.trials.length > 0) {
      // After the results are out: if saving fails anyway, they are not lost.
      try {
        saveRecording(record, rushRecording(result));
        console.error(`proclab rush: recorded ${result.trials.length} interleaving(s) to ${record}`);
      } catch (error) {
        console.error(`proclab rush: --record: ${(error as Error).message}`);
        saveFailed = true;
      }
    } else if (record) console.error(`proclab rush: no trial completed, nothing recorded to ${record}`);
    if (stoppedBy) return signalStatus[stoppedBy] ?? 1;
    return result.summary.errors > 0 || problems.length > 0 || (replayed && !replayed.same) || saveFailed ? 1 : 0;
  },
};
