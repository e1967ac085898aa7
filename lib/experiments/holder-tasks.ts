/**
 * Module targets of the "holder dies" experiment: one process takes the lock
 * and keeps it until it is killed, another waits for it.
 */
import { sleep } from "../core/clock";
import type { Lock } from "../lock";

/** Takes the lock and never releases it; `guardMs` only bounds a run nobody kills. */
export async function holdLock(lock: Lock, guardMs: number): Promise<void> {
  await lock.acquire();
  console.log(`holding the lock (pid ${process.pid})`);
  await sleep(guardMs);
}

/** Waits for the lock (up to `timeoutMs`), says whether it got it, and releases it. */
export async function waitForLock(lock: Lock, timeoutMs: number): Promise<void> {
  const acquired = await lock.acquire(true, timeoutMs);
  console.log(acquired ? `acquired the lock (pid ${process.pid})` : `gave up after ${timeoutMs} ms`);
  if (acquired) lock.release();
}
