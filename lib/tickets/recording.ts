/**
 * Recordings: the interleavings of a rush saved to a file with their outcomes,
 * and their replay — each trial run again under its recorded schedule, and the
 * outcome compared with the recorded one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runRush, type RushOptions, type RushResult } from "./rush";
import { getStrategy, type StrategyName } from "./strategies";
import { showInput } from "../core/text";
import { ScheduleError } from "../schedule/parse";
import { readSmallFile, reason, shownPath, writableFileProblem } from "./files";
import type { Interleaving } from "../schedule/interleaving";

/** What a trial ended with, as far as a schedule decides it. */
export interface RecordedOutcome {
  sold: number;
  /** null: db.json was left unparsable. */
  left: number | null;
}

export interface RecordedRun extends RecordedOutcome {
  source: Interleaving["source"];
  schedule: string;
  /** A problem met while recording (then a replay may differ), or null. */
  problem: string | null;
}

export interface RushRecording {
  format: typeof recordingFormat;
  strategy: StrategyName;
  buyers: number;
  tickets: number;
  runs: RecordedRun[];
}

export interface ReplayedRun {
  expected: RecordedOutcome;
  got: RecordedOutcome;
  same: boolean;
  /** Why a replay cannot match (e.g. the recorded run broke db.json), or null. */
  note: string | null;
}

export interface ReplayResult {
  result: RushResult;
  runs: ReplayedRun[];
  /** Every trial gave its recorded outcome. */
  same: boolean;
}

const recordingFormat = "proclab-rush-schedule/1";

/** The recording of a rush (free or scheduled): one run per trial. */
export function rushRecording(result: RushResult): RushRecording {
  const { strategy, buyers, tickets } = result.config;
  return {
    format: recordingFormat,
    strategy,
    buyers,
    tickets,
    runs: result.trials.map((trial, i) => ({
      source: result.interleavings[i].source,
      schedule: result.interleavings[i].schedule,
      problem: result.interleavings[i].problem,
      sold: trial.sold,
      left: trial.left,
    })),
  };
}

/** A recording of 100 000 trials is a few MB; anything much bigger is not one. */
const maxRecordingBytes = 64 * 1024 * 1024;

/** Why a recording cannot be saved to `file` (checked before a rush, so its results are not lost), or null. */
export function recordingPathProblem(file: unknown): string | null {
  return writableFileProblem(file, "a recording file", "recording.json");
}

/** Saves a recording; a failure names the file and leaves no partial file behind. */
export function saveRecording(file: string, recording: RushRecording): void {
  const problem = recordingPathProblem(file);
  if (problem) throw new Error(`cannot save the recording: ${problem}`);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, `${JSON.stringify(recording, null, 2)}\n`);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new Error(`cannot save the recording to ${shownPath(file)}: ${reason(error)}`);
  }
}

/** Reads a recording; throws ScheduleError naming the file and the bad field. */
export function loadRecording(file: string): RushRecording {
  let data: unknown;
  try {
    data = JSON.parse(readSmallFile(file, "recording", maxRecordingBytes));
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new ScheduleError(`cannot read recording ${shownPath(file)}: not valid JSON (${error.message})`);
    throw new ScheduleError((error as Error).message);
  }
  const bad = (what: string): never => {
    throw new ScheduleError(`recording ${shownPath(file)}: ${what}`);
  };
  const rec = data as Partial<RushRecording> | null;
  if (!rec || rec.format !== recordingFormat)
    bad(`format must be "${recordingFormat}" (written by proclab rush --record), got ${showInput(rec?.format)}`);
  const r = rec as RushRecording;
  try {
    getStrategy(String(r.strategy));
  } catch (error) {
    bad((error as Error).message);
  }
  if (!Number.isInteger(r.buyers) || r.buyers < 1) bad(`buyers must be a positive integer, got ${showInput(r.buyers)}`);
  if (!Number.isInteger(r.tickets) || r.tickets < 0) bad(`tickets must be a non-negative integer, got ${showInput(r.tickets)}`);
  if (!Array.isArray(r.runs) || r.runs.length === 0) bad("runs must be a non-empty list");
  r.runs.forEach((run, i) => {
    if (typeof run?.schedule !== "string") bad(`runs[${i}].schedule must be a string of letters, got ${showInput(run?.schedule)}`);
    if (!Number.isInteger(run.sold)) bad(`runs[${i}].sold must be an integer, got ${showInput(run.sold)}`);
  });
  return r;
}

/** Runs every recorded trial again under its schedule and compares outcomes. */
export async function replayRecording(
  recording: RushRecording,
  options: Omit<RushOptions, "strategy" | "buyers" | "tickets" | "trials" | "schedule"> = {},
): Promise<ReplayResult> {
  const result = await runRush({
    ...options,
    strategy: recording.strategy,
    buyers: recording.buyers,
    tickets: recording.tickets,
    trials: recording.runs.length,
    schedule: (trial) => recording.runs[trial - 1].schedule,
  });
  // A stopped replay (options.signal) compares the trials it completed.
  const runs = recording.runs.slice(0, result.trials.length).map((run, i): ReplayedRun => {
    const trial = result.trials[i];
    const got = { sold: trial.sold, left: trial.left };
    const note =
      run.left === null
        ? "the recorded run left db.json unparsable (two truncating writes overlapped); a schedule moves one step at a time and cannot tear a file"
        : run.problem;
    return { expected: { sold: run.sold, left: run.left }, got, same: got.sold === run.sold && got.left === run.left, note };
  });
  return { result, runs, same: runs.every((run) => run.same) };
}
