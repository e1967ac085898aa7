/**
 * `proclab rush`: run the ticket rush from a terminal.
 *   --json  stdout is exactly one JSON object { config, trials, summary }; progress goes to stderr.
 *   --schedule "AABB…" | random, --record <file>, --replay <file>: chosen, recorded and replayed
 *           interleavings (then the JSON also has "schedules", and "replay").
 * Every flag is checked (via rushConfig, and the schedule against it) before db.json is touched.
 */
import { ScheduleError } from "../schedule/parse";
import { interleavingText } from "../schedule/text";
import { rushDefaults, RushConfigError, type RushConfig } from "../tickets/config";
import { summaryTable, trialRow } from "../tickets/outcome";
import { loadRecording, replayRecording, rushRecording, saveRecording, type RushRecording } from "../tickets/recording";
import type { ScheduleSpec } from "../tickets/rush-schedule";
import { planRush, runRush, type RushResult } from "../tickets/rush";
import { strategyNames } from "../tickets/strategies";
import { flagHelp, parseCommandLine, UsageError, type FlagSpecs, type FlagValues } from "./args";
import type { Command } from "./command";

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

export const usage = `usage: proclab rush [flags]\n\nRuns the ticket rush (抢票) on db.json and reports oversold tickets, torn reads and corrupt files.\n\n${flagHelp(flags)}`;

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
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; rush takes only flags`);
  const settings: Partial<Record<keyof RushConfig, unknown>> = {};
  for (const [field, flag] of Object.entries(flagOf) as [keyof RushConfig, keyof typeof flags][]) {
    if (values[flag] !== undefined) settings[field] = values[flag];
  }
  const replay = values.replay === undefined ? undefined : recordingFromFlag(values.replay, values);
  if (replay)
    Object.assign(settings, { strategy: replay.strategy, buyers: replay.buyers, tickets: replay.tickets, trials: replay.runs.length });
  const schedule: ScheduleSpec | undefined = replay ? (trial) => replay.runs[trial - 1].schedule : values.schedule;
  try {
    const { config } = planRush({ ...settings, schedule });
    return { config, json: values.json === true, echo: values.echo === true, schedule: values.schedule, record: values.record, replay };
  } catch (error) {
    if (error instanceof RushConfigError) throw new UsageError(`--${flagOf[error.field]}: ${error.problem}`);
    if (error instanceof ScheduleError) throw new UsageError(`--${replay ? "replay" : "schedule"}: ${error.message}`);
    throw error;
  }
}

/** A recording for --replay; its settings replace --strategy, --buyers, --tickets, --trials, which must not differ. */
function recordingFromFlag(file: string, values: RushFlags): RushRecording {
  if (values.schedule !== undefined)
    throw new UsageError("--replay and --schedule exclude each other: a replay runs the recorded schedules");
  let recording: RushRecording;
  try {
    recording = loadRecording(file);
  } catch (error) {
    if (error instanceof ScheduleError) throw new UsageError(`--replay: ${error.message}`);
    throw error;
  }
  const fromFile = { strategy: recording.strategy, buyers: recording.buyers, tickets: recording.tickets, trials: recording.runs.length };
  for (const [flag, value] of Object.entries(fromFile) as [keyof typeof fromFile, string | number][]) {
    if (values[flag] !== undefined && values[flag] !== value) {
      throw new UsageError(`--${flag} ${values[flag]} differs from the recording ${file} (${flag} ${value}); leave it out when replaying`);
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

export const rush: Command = {
  summary: "run the ticket rush (抢票) and report oversold tickets, torn reads, corrupt files",
  async run(argv) {
    // --help wins over any other flag, even a bad one.
    if (argv.includes("--help")) {
      console.log(usage);
      return 0;
    }
    const { config, json, echo, schedule, record, replay } = rushConfigFromArgs(argv);
    const options = { ...config, echo: echo && !json };
    const replayed = replay ? await replayRecording(replay, options) : null;
    const result = replayed ? replayed.result : await runRush({ ...options, schedule });
    if (record) saveRecording(record, rushRecording(result));
    const stepped = schedule !== undefined || record !== undefined || replayed !== null;
    const problems = stepped ? result.interleavings.filter((i) => i.source !== "recorded" && i.problem).map((i) => i.problem) : [];
    if (json) {
      const extra = {
        ...(stepped ? { schedules: scheduleRows(result) } : {}),
        ...(replayed ? { replay: { same: replayed.same, runs: replayed.runs } } : {}),
      };
      process.stdout.write(
        `${JSON.stringify({ config: result.config, trials: result.trials.map(trialRow), summary: result.summary, ...extra })}\n`,
      );
    } else {
      if (stepped && result.trials.length === 1) console.log(`${interleavingText(result.interleavings[0], config.tickets)}\n`);
      else if (stepped)
        for (const [i, row] of scheduleRows(result).entries())
          console.log(`trial ${i + 1}: ${row.source} ${row.schedule} → sold ${row.sold}, left ${row.left}`);
      console.log(summaryTable([result]));
      if (result.summary.errors > 0)
        console.log(`${result.summary.errors} buyer process(es) failed; first: ${result.trials.flatMap((t) => t.errors)[0]}`);
      if (replayed)
        console.log(
          replayed.same ? "replay: every trial gave its recorded outcome" : "replay: some trials differ from the recording (see --json)",
        );
    }
    for (const problem of new Set(problems)) console.error(`proclab rush: ${problem}`);
    if (record) console.error(`proclab rush: recorded ${result.trials.length} interleaving(s) to ${record}`);
    return result.summary.errors > 0 || problems.length > 0 || (replayed && !replayed.same) ? 1 : 0;
  },
};
