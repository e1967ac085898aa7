/**
 * Where a lock's state lives. On tmpfs, in `/dev/shm/proclab-locks-<uid>/`, where Python's
 * multiprocessing.Lock creates its semaphore too: lock state ends with the machine, and a
 * rename there costs about half of one on the ext4 disk here (a handoff is two renames).
 * A lock is therefore shared by the processes of one user. Where there is no /dev/shm, or
 * with PROCLAB_LOCK_STATE_DIR=next-to-file, the state lives beside the lock file;
 * PROCLAB_LOCK_STATE_DIR=<absolute folder> puts it there (every process using a lock must
 * agree; useful where logind's RemoveIPC empties a user's /dev/shm at logout while jobs run).
 * In a state folder, a lock's state is named after its file and a hash of the file's real
 * path, so every process that opens the file, by any path, finds the same state.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LockFiles } from "./layout";
import { sweepStateFolder } from "./sweep";

const STATE_DIR_ENV = "PROCLAB_LOCK_STATE_DIR";
const NEXT_TO_FILE = "next-to-file";
/** Basenames are cut to this many characters in state names, so names stay under NAME_MAX. */
const MAX_BASENAME_CHARS = 80;

interface StateFolder {
  folder: string;
  /** Made by proclab for this user: must be a private folder of theirs, not a symlink. */
  mustBePrivate: boolean;
}

/** PROCLAB_LOCK_STATE_DIR, else a private folder on /dev/shm, else null (beside the lock file). */
function chooseStateFolder(): StateFolder | null {
  const chosen = process.env[STATE_DIR_ENV];
  if (chosen === NEXT_TO_FILE) return null;
  if (chosen) {
    if (!path.isAbsolute(chosen)) {
      // Relative to what? Processes of one lock run in different folders (notebooks run in notebooks/).
      throw new Error(`Lock: ${STATE_DIR_ENV} must be an absolute folder or "${NEXT_TO_FILE}", not ${JSON.stringify(chosen)}`);
    }
    return { folder: chosen, mustBePrivate: false };
  }
  if (!fs.statSync("/dev/shm", { throwIfNoEntry: false })?.isDirectory()) return null;
  return { folder: `/dev/shm/proclab-locks-${process.getuid?.() ?? "user"}`, mustBePrivate: true };
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** proclab's own folder must be a real folder of this user's that nobody else can write: its contents decide who holds a lock. */
function assertPrivateFolder(folder: string): void {
  const stat = fs.lstatSync(folder);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
    throw new Error(
      `Lock: the state folder ${JSON.stringify(folder)} is not private to this user (a symlink, another owner, or open to others); ` +
        `remove it, or set ${STATE_DIR_ENV} to another folder`,
    );
  }
}

/** Creates the lock file at `lockPath` and its state's folders; errors name the path and the cause. */
export function openLockFiles(lockPath: string): LockFiles {
  const lockFolder = path.dirname(lockPath);
  if (!fs.existsSync(lockFolder)) {
    throw new Error(`Lock: folder ${JSON.stringify(lockFolder)} does not exist (lock path ${JSON.stringify(lockPath)})`);
  }
  let realPath: string;
  try {
    fs.closeSync(fs.openSync(lockPath, "a"));
    realPath = fs.realpathSync(lockPath);
  } catch (error) {
    const code = errorCode(error);
    const expected = code === "EISDIR" ? "a file path, not a folder" : "a writable folder";
    throw new Error(`Lock: cannot create the lock files at ${JSON.stringify(lockPath)} (${code}); expected ${expected}`);
  }
  const stateFolder = chooseStateFolder();
  const stateName = `${path.basename(realPath).slice(0, MAX_BASENAME_CHARS)}-${createHash("sha1").update(realPath).digest("hex").slice(0, 12)}`;
  const files = new LockFiles(lockPath, stateFolder ? path.join(stateFolder.folder, stateName) : realPath);
  try {
    if (stateFolder) fs.mkdirSync(stateFolder.folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new Error(
      `Lock: cannot create the lock's state in ${JSON.stringify(stateFolder?.folder)} (${errorCode(error)}); expected a writable folder, or set ${STATE_DIR_ENV} to one`,
    );
  }
  if (stateFolder?.mustBePrivate) assertPrivateFolder(stateFolder.folder);
  try {
    files.ensureWaitDir();
  } catch (error) {
    const where = stateFolder?.folder ?? lockFolder;
    throw new Error(`Lock: cannot create the lock's state in ${JSON.stringify(where)} (${errorCode(error)}); expected a writable folder`);
  }
  if (stateFolder) sweepStateFolder(stateFolder.folder);
  return files;
}
