/**
 * supervise: the OS meaning of "daemon" from the article, a service that a
 * supervisor keeps alive. A child that crashes is restarted after a growing
 * backoff, and each restart is recorded as an event.
 */
import { emit, type ProcEvent } from "../core/events";
import { sleep } from "../core/clock";
import { Process } from "./process";
import type { Target } from "./target";

export interface SuperviseOptions {
  /** How many times to restart after a crash (non-zero exit). */
  restarts: number;
  /** Wait before the first restart; doubles each time (see `factor`). Default 100. */
  backoffMs?: number;
  factor?: number;
  args?: unknown[];
  /** Default `service`. */
  name?: string;
  echo?: boolean;
}

export interface SupervisedRun {
  pid: number;
  exitCode: number | null;
  /** The child's own events (start, print, exit…). */
  events: readonly ProcEvent[];
}

export interface SupervisorReport {
  name: string;
  runs: SupervisedRun[];
  restarts: number;
  /** True when the last run crashed and no restart was left. */
  gaveUp: boolean;
  /** The `restart` events, one per restart (with attempt, exitCode, delayMs). */
  events: ProcEvent[];
}

/** Runs `target`, restarting it after each crash; resolves when it exits 0 or restarts run out. */
export async function supervise(target: Target, options: SuperviseOptions): Promise<SupervisorReport> {
  if (!Number.isInteger(options?.restarts) || options.restarts < 0)
    throw new RangeError(`supervise: restarts must be a non-negative integer, got ${options?.restarts}`);
  const name = options.name ?? "service";
  const runs: SupervisedRun[] = [];
  const events: ProcEvent[] = [];
  for (let attempt = 0; ; attempt += 1) {
    const child = new Process({ target, args: options.args, name, echo: options.echo });
    child.start();
    await child.join();
    runs.push({ pid: child.pid as number, exitCode: child.exitCode, events: child.events });
    if (child.exitCode === 0) return { name, runs, restarts: attempt, gaveUp: false, events };
    if (attempt === options.restarts) return { name, runs, restarts: attempt, gaveUp: true, events };
    const delayMs = (options.backoffMs ?? 100) * (options.factor ?? 2) ** attempt;
    events.push(emit("restart", { service: name, attempt: attempt + 1, exitCode: child.exitCode, delayMs }));
    await sleep(delayMs);
  }
}
