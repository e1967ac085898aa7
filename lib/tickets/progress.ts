/**
 * Live progress of a rush: in a notebook one display updated in place, in a
 * terminal one line on stderr (stdout stays clean for --json).
 */
import { tr } from "../core/lang";
import { inNotebook, updatingDisplay } from "../core/notebook";
import type { RushConfig } from "./config";
import type { RushSummary, TrialResult } from "./outcome";

export interface RushProgress {
  config: RushConfig;
  /** Trials finished so far. */
  done: number;
  /** The trial that just finished. */
  last: TrialResult;
  /** Summary of the trials finished so far. */
  summary: RushSummary;
}

function progressLine({ config, done, summary }: RushProgress): string {
  return tr(
    `rush ${config.strategy}: trial ${done}/${config.trials} · oversold in ${summary.oversoldTrials}` +
      ` · torn reads ${summary.tornReads} · corrupt ${summary.corruptTrials} · ${summary.meanElapsedMs.toFixed(1)} ms/trial`,
    `抢票 ${config.strategy}：第 ${done}/${config.trials} 次试验 · 超卖 ${summary.oversoldTrials} 次` +
      ` · 撕裂读 ${summary.tornReads} · 文件损坏 ${summary.corruptTrials} · 每次 ${summary.meanElapsedMs.toFixed(1)} ms`,
  );
}

/** A reporter for the place this runs in: a notebook display, or stderr. Call with null when finished. */
export function liveProgress(): (progress: RushProgress | null) => void {
  if (inNotebook()) {
    const display = updatingDisplay();
    let lastShown = 0;
    return (progress) => {
      if (!progress) return;
      // Redraw at most ~10 times a second: every update is a message to the browser.
      const at = Date.now();
      if (progress.done < progress.config.trials && at - lastShown < 100) return;
      lastShown = at;
      display.update({ "text/plain": progressLine(progress) });
    };
  }
  const tty = process.stderr.isTTY === true;
  let lastShown = 0;
  return (progress) => {
    if (!progress) {
      if (tty) process.stderr.write("\n");
      return;
    }
    const at = Date.now();
    const finished = progress.done === progress.config.trials;
    if (tty) {
      if (finished || at - lastShown >= 100) process.stderr.write(`\r${progressLine(progress)}\x1b[K`);
    } else if (finished || at - lastShown >= 2000) {
      process.stderr.write(`${progressLine(progress)}\n`);
    } else return;
    lastShown = at;
  };
}
