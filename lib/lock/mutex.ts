/**
 * The mutual exclusion itself: proper-lockfile's atomic mkdir of `path.lock`,
 * called through its synchronous API with our owner marker written right after
 * the mkdir. What we keep and what we switch off, and why:
 * - `retries: 0`: waiting is ours (woken on release), never proper-lockfile's polling.
 * - `stale`/`update` near the timer maximum: its mtime staleness would let waiters rob a
 *   live holder whose event loop is blocked; dead holders are found by pid instead.
 * - `realpath: false`: realpath needs the file to exist and costs a syscall per attempt.
 * - its in-process bookkeeping (refresh timer, exit hook) is dropped at once, because
 *   ownership may move to other processes; its release then finds the directory not
 *   empty (our marker is inside) and removes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as ProperLockfile from "proper-lockfile";
import type { LockFiles } from "./layout";

/** The largest timer delay Node accepts: proper-lockfile's staleness and refresh, never in practice. */
const NEVER_MS = 2 ** 31 - 1;

let properLockfileModule: typeof ProperLockfile | null = null;
/**
 * Loaded by the first Lock of a process, not by `import "proclab"`: proper-lockfile
 * installs exit hooks in every process that loads it.
 */
export function properLockfile(): typeof ProperLockfile {
  if (!properLockfileModule) properLockfileModule = require("proper-lockfile") as typeof ProperLockfile;
  return properLockfileModule;
}

/** The marker markerFs.mkdirSync writes into the directory it makes (set by tryMakeLockDir just before). */
let markerToWrite = "";
/** node:fs with a mkdir that also writes the owner marker, so a held lock directory is never empty. */
const markerFs = {
  ...fs,
  mkdirSync(dir: string): void {
    fs.mkdirSync(dir);
    try {
      fs.writeFileSync(path.join(dir, markerToWrite), "");
    } catch (error) {
      // An abandoned-empty-directory cleanup removed it between the two calls: someone else's turn.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw Object.assign(new Error("lock directory vanished"), { code: "EEXIST" });
      throw error;
    }
  },
};

/** Takes the lock if it is free, recording `marker` as its owner; false when it is held. */
export function tryMakeLockDir(files: LockFiles, marker: string): boolean {
  markerToWrite = marker;
  let dropBookkeeping: () => void;
  try {
    dropBookkeeping = properLockfile().lockSync(files.path, {
      realpath: false,
      lockfilePath: files.lockDir,
      retries: 0,
      stale: NEVER_MS,
      update: NEVER_MS / 2,
      onCompromised: () => {}, // unreachable: its refresh timer is cancelled below
      fs: markerFs,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOCKED") return false;
    if (code === "ENOENT") throw new Error(`Lock: the folder of ${JSON.stringify(files.path)} has disappeared`);
    throw new Error(`Lock: cannot lock ${JSON.stringify(files.path)} (${code ?? String(error)})`);
  }
  try {
    dropBookkeeping(); // proper-lockfile's release: ends its refresh timer and exit hook
  } catch {
    // Expected: ENOTEMPTY, the directory holds our marker and stays.
  }
  return true;
}

/** Removes a lock directory left empty by a process killed between mkdir and its marker write. */
export function removeAbandonedEmptyDir(files: LockFiles): void {
  try {
    fs.rmdirSync(files.lockDir);
  } catch {
    // Not empty (an owner appeared) or already gone: nothing to clean.
  }
}
