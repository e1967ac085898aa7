/**
 * Where a lock's state lives. On tmpfs, in `/dev/shm/proclab-locks-<uid>/`, where Python's
 * multiprocessing.Lock creates its semaphore too: lock state ends with the machine, and a
 * rename there costs about half of one on the ext4 disk here (a handoff is two renames).
 * Without /dev/shm, or with PROCLAB_LOCK_STATE_DIR=next-to-file, beside the lock file;
 * PROCLAB_LOCK_STATE_DIR=<folder> puts it elsewhere (every process using a lock must agree).
 * In a state folder, a lock's state is named after its file and a hash of the file's real
 * path, so every process that opens the file, by any path, finds the same state.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LockFiles } from "./layout";
import { sweepStateFolder } from "./sweep";

const STATE_DIR_ENV = "PROCLAB_LOCK_STATE_DIR";
const NEXT_TO_FILE = "next-to-file";

/** PROCLAB_LOCK_STATE_DIR, else a private folder on /dev/shm, else null (beside the lock file). */
function stateFolder(): string | null {
  const chosen = process.env[STATE_DIR_ENV];
  if (chosen) return chosen === NEXT_TO_FILE ? null : path.resolve(chosen);
  try {
    fs.accessSync("/dev/shm", fs.constants.W_OK);
  } catch {
    return null;
  }
  return path.join("/dev/shm", `proclab-locks-${os.userInfo().uid}`);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** Creates the lock file at `lockPath` and its state's folders; errors name the path and the cause. */
export function openLockFiles(lockPath: string): LockFiles {
  const folder = path.dirname(lockPath);
  if (!fs.existsSync(folder)) {
    throw new Error(`Lock: folder ${JSON.stringify(folder)} does not exist (lock path ${JSON.stringify(lockPath)})`);
  }
  let realPath: string;
  try {
    fs.closeSync(fs.openSync(lockPath, "a"));
    realPath = fs.realpathSync(lockPath);
  } catch (error) {
    throw new Error(`Lock: cannot create the lock files at ${JSON.stringify(lockPath)} (${errorCode(error)}); expected a writable folder`);
  }
  const state = stateFolder();
  const hash = createHash("sha1").update(realPath).digest("hex").slice(0, 12);
  const files = new LockFiles(lockPath, state ? path.join(state, `${path.basename(realPath)}-${hash}`) : realPath);
  try {
    // Private (0700): another user's processes cannot disturb this user's locks.
    if (state) fs.mkdirSync(state, { recursive: true, mode: 0o700 });
    files.ensureWaitDir();
  } catch (error) {
    const hint = state ? `; expected a writable folder, or set ${STATE_DIR_ENV} to one` : "; expected a writable folder";
    throw new Error(`Lock: cannot create the lock's state in ${JSON.stringify(state ?? folder)} (${errorCode(error)})${hint}`);
  }
  if (state) sweepStateFolder(state);
  return files;
}
