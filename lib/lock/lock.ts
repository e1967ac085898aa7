/**
 * `Lock`: a mutex shared by processes, with the API of Python's `multiprocessing.Lock`
 * (acquire/release, any process may release), plus what Python's lacks: a holder that dies
 * does not deadlock the others, and every wait and hold is recorded as an event.
 * How it works: README.md beside this file.
 *
 * `release()` is synchronous, like Python's: it throws at once when the lock is not held, and
 * wakes the next waiter before returning.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../core/paths";
import { registerReviver, TRANSFER, type Transfer, type Transferable } from "../core/transfer";
import { LockState } from "./state";

/** Who holds a lock: the process id and when it got the lock (ms, `now()` clock). */
export interface LockHolder {
  pid: number;
  since: number;
}

/** One LockState per lock in a process, shared by every Lock object for it; keyed by the lock file's real path. */
const statesByRealPath = new Map<string, LockState>();
let freshLockCount = 0;
/** Lock files this process made for `new Lock()`: removed at exit. */
const freshLockFiles: string[] = [];

function freshLockPath(): string {
  const folder = path.join(dataDir, "locks");
  fs.mkdirSync(folder, { recursive: true });
  freshLockCount += 1;
  return path.join(folder, `lock-${process.pid}-${Date.now().toString(36)}-${freshLockCount}`);
}

/** Makes the lock file if needed and returns its real path (two spellings of one file are one lock); errors name the path. */
function openLockFile(lockPath: string): string {
  const folder = path.dirname(lockPath);
  if (!fs.existsSync(folder))
    throw new Error(`Lock: folder ${JSON.stringify(folder)} does not exist (lock path ${JSON.stringify(lockPath)})`);
  try {
    // The lock file only names the lock: it must exist (so its real path can be found), not be writable by us.
    if (!fs.existsSync(lockPath) || fs.statSync(lockPath).isDirectory()) fs.closeSync(fs.openSync(lockPath, "a"));
    return fs.realpathSync(lockPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const expected = code === "EISDIR" ? "a file path, not a folder" : "a writable folder";
    throw new Error(`Lock: cannot create the lock files at ${JSON.stringify(lockPath)} (${code}); expected ${expected}`);
  }
}

/** At exit: every lock of this process releases what it holds and leaves its queue; fresh locks' files go. */
function leaveLocksAtExit(): void {
  for (const state of statesByRealPath.values()) state.leaveAtExit();
  for (const file of freshLockFiles) fs.rmSync(file, { force: true });
}

/** Runs `fn` holding `lock`, and releases it afterwards, also when `fn` throws (any lock with Lock's acquire and release). */
export async function holding<T>(lock: { acquire(): Promise<boolean>; release(): void }, fn: () => T | Promise<T>): Promise<T> {
  await lock.acquire();
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

export class Lock implements Transferable {
  /** The lock file's absolute path; every process that opens this file shares the lock. */
  readonly path: string;
  private readonly state: LockState;

  /** A lock at `lockPath`, or a fresh one under data/locks/ when omitted. */
  constructor(lockPath?: string) {
    if (lockPath !== undefined && (typeof lockPath !== "string" || lockPath === "")) {
      throw new TypeError(`Lock: path must be a non-empty string, not ${JSON.stringify(lockPath)}`);
    }
    this.path = path.resolve(lockPath ?? freshLockPath());
    const realPath = openLockFile(this.path);
    if (lockPath === undefined) freshLockFiles.push(realPath);
    let state = statesByRealPath.get(realPath);
    if (!state) {
      if (statesByRealPath.size === 0) process.once("exit", leaveLocksAtExit);
      state = new LockState(realPath);
      statesByRealPath.set(realPath, state);
    }
    this.state = state;
  }

  /**
   * Waits for the lock: `true` once held; `false` at once when `blocking` is false and the lock
   * is held, or after `timeoutMs` without getting it.
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
    try {
      return this.state.acquire(blocking, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Releases the lock, whichever process holds it; throws "lock released too many times" when it is free. */
  release(): void {
    this.state.release();
  }

  /** Runs `fn` holding the lock, and releases it afterwards, also when `fn` throws. */
  withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    return holding(this, fn);
  }

  /** Who holds the lock now (possibly a process that died and is about to be replaced), or null. */
  holder(): LockHolder | null {
    return this.state.holder();
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
