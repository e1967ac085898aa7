/**
 * 互斥锁: what happens when the holder crashes. A process takes proclab's Lock
 * and is killed with SIGKILL while holding it (no finally, no exit hook runs);
 * another process waiting for the lock gets it anyway: waiters check the
 * holder's pid and take the lock over from a dead one. Python's
 * multiprocessing.Lock stays held forever (see pythonLockHolderDies).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { now } from "../core/clock";
import { isEvent, onEvent, type ProcEvent } from "../core/events";
import { Lock } from "../lock";
import { Process } from "../process";

export interface LockHolderDiesOptions {
  /** The waiter gives up after this long (default 5000 ms): a hang guard, recovery takes tens of ms. */
  waitTimeoutMs?: number;
}

export interface LockHolderDiesResult {
  holderPid: number;
  /** Python convention: -9 for SIGKILL. */
  holderExitCode: number | null;
  waiterPid: number;
  /** The waiter got the lock after the holder died. */
  recovered: boolean;
  /** How the lock-acquired event says it got it: "recovered" means taken over from a dead holder. */
  how: string | null;
  /** ms from the kill to the waiter holding the lock. */
  recoveredAfterMs: number | null;
  /** ms the waiter waited in all (it asked while the holder was alive). */
  waitedMs: number | null;
  /** Both processes' events, ms on the now() clock. */
  events: ProcEvent[];
  text: string;
}

/** Resolves with the first event for which `match` is true, or rejects after `timeoutMs`. */
function nextEvent(match: (event: ProcEvent) => boolean, timeoutMs: number, what: string): Promise<ProcEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`lockHolderDies: no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = onEvent((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

export async function lockHolderDies(options: LockHolderDiesOptions = {}): Promise<LockHolderDiesResult> {
  const { waitTimeoutMs = 5000 } = options;
  if (!(waitTimeoutMs > 0) || !Number.isFinite(waitTimeoutMs))
    throw new RangeError(`lockHolderDies: waitTimeoutMs must be a finite number > 0, got ${waitTimeoutMs}`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-holder-"));
  const lock = new Lock(path.join(folder, "mutex"));
  const module = path.join(__dirname, "holder-tasks.js");
  const holder = new Process({ target: { module, export: "holdLock" }, args: [lock, 30_000], name: "holder", echo: false });
  const waiter = new Process({ target: { module, export: "waitForLock" }, args: [lock, waitTimeoutMs], name: "waiter", echo: false });
  let killedAt: number;
  try {
    const held = nextEvent((e) => e.pid === holder.pid && e.type === "lock-acquired", 10_000, "lock-acquired from the holder");
    holder.start();
    await held;
    const asked = nextEvent((e) => e.pid === waiter.pid && e.type === "lock-requested", 10_000, "lock-requested from the waiter");
    waiter.start();
    await asked;
    killedAt = now();
    holder.kill();
    await Promise.all([holder.join(10_000), waiter.join(waitTimeoutMs + 10_000)]);
  } finally {
    for (const p of [holder, waiter]) if (p.pid !== null) p.kill();
    fs.rmSync(folder, { recursive: true, force: true });
  }
  const events = [...holder.events, ...waiter.events].sort((a, b) => a.t - b.t);
  const acquired = waiter.events.find(isEvent("lock-acquired"));
  const requested = waiter.events.find((e) => e.type === "lock-requested");
  const result = {
    holderPid: holder.pid as number,
    holderExitCode: holder.exitCode,
    waiterPid: waiter.pid as number,
    recovered: acquired !== undefined,
    how: acquired?.data.how ?? null,
    recoveredAfterMs: acquired ? acquired.t - killedAt : null,
    waitedMs: acquired && requested ? acquired.t - requested.t : null,
    events,
  };
  const text = result.recovered
    ? `The holder (pid ${result.holderPid}) was killed holding the lock (exit code ${result.holderExitCode}); ` +
      `the waiter got it ${result.recoveredAfterMs?.toFixed(0)} ms later (how: ${result.how}).`
    : `The holder (pid ${result.holderPid}) was killed holding the lock; the waiter did not get it within ${waitTimeoutMs} ms.`;
  return { ...result, text };
}
