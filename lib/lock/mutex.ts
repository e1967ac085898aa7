/**
 * The mutual exclusion, and nothing else: proper-lockfile's lock on the lock file, through its
 * public API. Holding the lock means having made the directory `<file>.lock` (mkdir is atomic:
 * of all processes trying, exactly one succeeds). The holder refreshes the directory's mtime;
 * one not refreshed for STALE_MS is taken over by the next locker (proper-lockfile's recovery).
 *
 * One thing is ours: proper-lockfile's `fs` option gets an rmdir that renames the directory
 * away (atomic, like rmdir: the lock is free the moment it returns) and deletes it later. On
 * this course's disks rmdir is slow — it frees a block, and with the `discard` mount option the
 * disk is told at once: 0.1–0.4 ms here, against 0.02 ms for the rename — and it sat between
 * every release and the next holder's mkdir.
 */
import * as fs from "node:fs";
import type * as ProperLockfile from "proper-lockfile";

/**
 * Long, so that a live holder whose event loop is busy for seconds is never robbed. A holder
 * that died is found much sooner by its pid (owner.ts): this is the last resort.
 */
export const STALE_MS = 60_000;

let properLockfile: typeof ProperLockfile | null = null;

/** Loaded on first use, not by `import "proclab"`: proper-lockfile installs an exit hook in every process that loads it. */
function lockfile(): typeof ProperLockfile {
  properLockfile ??= require("proper-lockfile") as typeof ProperLockfile;
  return properLockfile;
}

/** Lock directories renamed away, still to delete; `trashDirOf(file)` says where they go. */
const trash: string[] = [];
let trashCount = 0;
const trashDirs = new Map<string, string>();

/** Where the lock directories of `file` go when released (a folder that exists, on the same disk). */
export function setTrashDir(file: string, dir: string): void {
  trashDirs.set(lockDirOf(file), dir);
}

const fastRmdirFs = {
  ...fs,
  rmdirSync(dir: fs.PathLike): void {
    const trashDir = trashDirs.get(String(dir));
    if (trashDir) {
      const away = `${trashDir}/t-${++trashCount}-${process.pid}-0`;
      try {
        fs.renameSync(dir, away);
        trash.push(away);
        return;
      } catch (error) {
        if (!fs.existsSync(dir)) throw error; // gone already: what rmdir would say
        // The trash folder went with a process that left: the plain way below, slower but always right.
      }
    }
    fs.rmdirSync(dir);
  },
};

/** Deletes the lock directories this process renamed away (call when nobody waits: each delete is slow). */
export function emptyTrash(): void {
  for (let dir = trash.pop(); dir !== undefined; dir = trash.pop()) fs.rm(dir, { recursive: true, force: true }, () => undefined);
}

/** At exit: the same, synchronously. */
export function emptyTrashNow(): void {
  for (let dir = trash.pop(); dir !== undefined; dir = trash.pop()) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Takes the lock if it is free, or held by a holder that stopped refreshing it `staleMs` ago;
 * false when it is held. `onLost` is called if the hold is later taken from us (released by
 * another process, or taken over as stale).
 */
export function tryLock(file: string, onLost: () => void, staleMs = STALE_MS): boolean {
  try {
    lockfile().lockSync(file, { realpath: false, stale: staleMs, onCompromised: onLost, fs: fastRmdirFs });
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOCKED") return false;
    if (code === "ENOENT") throw new Error(`Lock: the folder of ${JSON.stringify(file)} has disappeared`);
    throw new Error(`Lock: cannot lock ${JSON.stringify(file)} (${code ?? String(error)})`);
  }
}

/** Releases our hold; false when it was no longer ours (taken from us meanwhile). */
export function unlock(file: string): boolean {
  try {
    lockfile().unlockSync(file, { realpath: false, fs: fastRmdirFs });
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTACQUIRED" || code === "ENOENT") return false;
    throw error;
  }
}

/** Whether someone holds the lock (a hold not refreshed for STALE_MS does not count). */
export function isLocked(file: string): boolean {
  return lockfile().checkSync(file, { realpath: false, stale: STALE_MS });
}

/** The lock directory: exists while the lock is held. */
export function lockDirOf(file: string): string {
  return `${file}.lock`;
}
