/**
 * `Lock`: a mutex shared by processes, with the API of Python's
 * `multiprocessing.Lock` (acquire/release, any process may release), plus what
 * Python's lies without: a holder that dies does not deadlock the others, and
 * every wait and hold is recorded as an event.
 *
 * `release()` is synchronous, like Python's: it throws at once when the lock is
 * not held, and hands the lock to the next waiter before returning.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../core/paths";
import { registerReviver, TRANSFER, type Transfer, type Transferable } from "../core/transfer";
import type { LockFiles } from "./layout";
import { LockState } from "./state";
import { openLockFiles } from "./state-folder";

/** Who holds a lock: the process id and when it got the lock (ms, `now()` clock). */
export interface LockHolder {
  pid: number;
  since: number;
}

/**
 * One LockState per lock in a process, shared by every Lock object for it; keyed by its state's
 * lock directory, which follows the file's real path, so two spellings of one file are one lock.
 */
const statesByLockDir = new Map<string, LockState>();
let freshLockCount = 0;

/** Fresh locks this process made: their files go when it exits (a held one stays, as a crash would leave it). */
const freshLockFiles: LockFiles[] = [];

function freshLockPath(): string {
  const folder = path.join(dataDir, "locks");
  fs.mkdirSync(folder, { recursive: true });
  freshLockCount += 1;
  return path.join(folder, `lock-${process.pid}-${Date.now().toString(36)}-${freshLockCount}`);
}

/** At exit: every lock of this process hands on a lock it released but has not handed on yet, and leaves its queue; fresh locks' files go. */
function leaveLocksAtExit(): void {
  for (const state of statesByLockDir.values()) state.leaveAtExit();
  for (const files of freshLockFiles) if (!fs.existsSync(files.lockDir)) fs.rmSync(files.path, { force: true });
}

export class Lock implements Transferable {
  /** The lock file's absolute path; every process that opens this path shares the lock. */
  readonly path: string;
  private readonly state: LockState;

  /** A lock at `lockPath`, or a fresh one under data/locks/ when omitted. */
  constructor(lockPath?: string) {
    if (lockPath !== undefined && (typeof lockPath !== "string" || lockPath === "")) {
      throw new TypeError(`Lock: path must be a non-empty string, not ${JSON.stringify(lockPath)}`);
    }
    this.path = path.resolve(lockPath ?? freshLockPath());
    const files = openLockFiles(this.path);
    if (lockPath === undefined) freshLockFiles.push(files);
    let state = statesByLockDir.get(files.lockDir);
    if (!state) {
      state = new LockState(files);
      if (statesByLockDir.size === 0) process.once("exit", leaveLocksAtExit);
      statesByLockDir.set(files.lockDir, state);
    }
    this.state = state;
  }

  /**
   * Waits for the lock: `true` once held; `false` at once when `blocking` is false and
   * the lock is held, or after `timeoutMs` without getting it.
   */
  acquire(blocking = true, timeoutMs?: number): Promise<boolean> {
    if (typeof blocking !== "boolean") {
      return Promise.reject(new TypeError(`Lock.acquire: blocking must be a boolean, not ${JSON.stringify(blocking)}`));
    }
    if (timeoutMs !== undefined) {
      if (!blocking) return Promise.reject(new Error("Lock.acquire: can't specify a timeout for a non-blocking call"));
      if (typeof timeoutMs !== "number" || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
        return Promise.reject(new RangeError(`Lock.acquire: timeoutMs must be a finite number >= 0, not ${timeoutMs}`));
      }
    }
    return this.state.acquire(blocking, timeoutMs);
  }

  /** Releases the lock, whichever process holds it; throws "lock released too many times" when it is free. */
  release(): void {
    this.state.release();
  }

  /** Runs `fn` holding the lock, and releases it afterwards, also when `fn` throws. */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Who holds the lock now (possibly a process that died and is about to be replaced), or null. */
  holder(): LockHolder | null {
    const owner = this.state.holder();
    return owner ? { pid: owner.pid, since: owner.since } : null;
  }

  [TRANSFER](): Transfer<{ path: string }> {
    return { kind: "Lock", module: __filename, state: { path: this.path } };
  }

  toString(): string {
    return `<Lock ${this.path}>`;
  }
}

registerReviver("Lock", (state) => {
  const lockPath = (state as { path?: unknown } | null)?.path;
  if (typeof lockPath !== "string") throw new TypeError(`Lock: cannot revive from ${JSON.stringify(state)}: expected { path: string }`);
  return new Lock(lockPath);
});
