/**
 * The files of one lock. The lock file itself stays where it was asked for; its state
 * (`<state>` below, chosen by state-folder.ts) is two folders:
 *   path           an empty file, the name proper-lockfile locks
 *   <state>.lock/  proper-lockfile's directory: exists while the lock is held
 *   <state>.lock/owner-<pid>-<start>-<since>   who holds it, and since when (ms, shared clock)
 *   <state>.lock/kept-<pid>-<start>-<at>       instead of the owner: released at `at` by that
 *                  process, which has not handed the directory on yet (a deferred hand-on, see
 *                  state.ts: it may take the lock back with one rename); the lock is free
 *   <state>.wait/  waiters' FIFOs: q-<ticket>-<pid>-<start> queued, i-<pid>-<start> idle,
 *                  n-<pid>-<start> new (not yet open for reading), t-<pid>-<start>-… a released
 *                  lock directory being deleted. It may be removed whenever no live process has
 *                  an entry in it (see removeWaitDirIfUnused): whoever needs it makes it again.
 * Ownership lives in the marker's name so that handing the lock over (or taking it
 * from a dead holder) is one atomic rename, and reading it is one readdir.
 */
import * as fs from "node:fs";
import { isAlive, type ProcessIdentity } from "../core/pids";

/** The marker file in a lock directory: who holds the lock (`owner-…`), or who released it and has not handed it on yet (`kept-…`). */
export interface LockMarker extends ProcessIdentity {
  /** When it became the holder (ms, `now()` clock); for a released marker, when it was released. */
  since: number;
  /** The marker's file name, which changes on every hand-over. */
  name: string;
  /** Released by this process, which has not handed the lock directory on yet (`kept-…`): the lock is free. */
  released: boolean;
}

const QUEUED_FIFO = /^q-\d+-\d+-\d+$/;
const IDLE_FIFO = /^i-\d+-\d+$/;
/** A new FIFO or a lock directory being deleted, and the pid and start of the process doing it. */
const NEW_FIFO_OR_TRASH = /^[nt]-(\d+)-(\d+)(?:-[a-z0-9]+)?$/;

/** Whether the FIFO at `fifo` has a reader (its process lives); false when it is gone. */
function hasReader(fifo: string): boolean {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENXIO" || code === "ENOENT") return false;
    throw error;
  }
}

export class LockFiles {
  /** The lock file, as given (events and errors name it). */
  readonly path: string;
  readonly lockDir: string;
  readonly waitDir: string;

  /** The files of the lock at `lockPath` whose state is `<base>.lock` and `<base>.wait`. */
  constructor(lockPath: string, base: string) {
    this.path = lockPath;
    this.lockDir = `${base}.lock`;
    this.waitDir = `${base}.wait`;
  }

  /** The name of the marker saying that `who` holds the lock since `since`. */
  ownerMarkerName(who: ProcessIdentity, since: number): string {
    return `owner-${who.pid}-${who.start}-${since.toFixed(3)}`;
  }

  /** The current holder, or null when the lock is free (also when its marker says released). */
  readOwner(): LockMarker | null {
    const marker = this.readMarker();
    return marker && !marker.released ? marker : null;
  }

  /** The lock directory's marker, owner or released, or null when there is none. */
  readMarker(): LockMarker | null {
    let names: string[];
    try {
      names = fs.readdirSync(this.lockDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    for (const name of names) {
      const match = /^(owner|kept)-(\d+)-(\d+)-([\d.]+)$/.exec(name);
      if (match) return { pid: Number(match[2]), start: Number(match[3]), since: Number(match[4]), name, released: match[1] === "kept" };
    }
    return null;
  }

  /** Atomically gives the lock held (or released) under `from` to `to`; null when `from` is no longer the marker. */
  transfer(from: LockMarker, to: ProcessIdentity, since: number): string | null {
    return this.renameMarker(from, this.ownerMarkerName(to, since));
  }

  /**
   * Atomically marks the lock held under `from` as released at `releasedAt`, its lock directory
   * not handed on yet (a deferred hand-on, see state.ts); null when `from` is gone.
   */
  markReleased(from: LockMarker, releasedAt: number): LockMarker | null {
    const name = `kept-${from.pid}-${from.start}-${releasedAt.toFixed(3)}`;
    return this.renameMarker(from, name) ? { pid: from.pid, start: from.start, since: releasedAt, name, released: true } : null;
  }

  private renameMarker(from: LockMarker, name: string): string | null {
    try {
      // Concatenated, not path.join (1.3 µs each, twice per handoff): lockDir is already normalised.
      fs.renameSync(`${this.lockDir}/${from.name}`, `${this.lockDir}/${name}`);
      return name;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** Frees the lock: moves the whole directory away (atomic), then deletes it. False when already free. */
  removeLockDir(who: ProcessIdentity): boolean {
    const trash = `${this.waitDir}/t-${who.pid}-${who.start}-${Math.random().toString(36).slice(2)}`;
    try {
      fs.renameSync(this.lockDir, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // Either the lock is free already, or the waiters' folder was removed as unused: make it again.
      if (fs.existsSync(this.waitDir)) return false;
      this.ensureWaitDir();
      return this.removeLockDir(who);
    }
    // It holds only the owner marker; fs.rmSync's recursive walk costs several more syscalls.
    for (const name of fs.readdirSync(trash)) fs.unlinkSync(`${trash}/${name}`);
    fs.rmdirSync(trash);
    return true;
  }

  ensureWaitDir(): void {
    fs.mkdirSync(this.waitDir, { recursive: true });
  }

  /** The waiters' folder's entries; none when it is gone. */
  waitEntries(): string[] {
    try {
      return fs.readdirSync(this.waitDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  /** Whether a live process waits in the queue (its FIFO has a reader). */
  hasLiveWaiter(): boolean {
    return this.waitEntries().some((entry) => QUEUED_FIFO.test(entry) && hasReader(`${this.waitDir}/${entry}`));
  }

  /**
   * Removes the waiters' folder if no live process is in it, so lock state does not pile up:
   * each process calls this as it exits (the last one out succeeds), and the state folder's
   * sweep for processes that were killed. Leftovers of dead processes are deleted first.
   */
  removeWaitDirIfUnused(): void {
    for (const entry of this.waitEntries()) {
      const entryPath = `${this.waitDir}/${entry}`;
      const newOrTrash = NEW_FIFO_OR_TRASH.exec(entry);
      if (QUEUED_FIFO.test(entry) || IDLE_FIFO.test(entry)) {
        // Opened for reading by its process before it got this name, so no reader means dead.
        if (!hasReader(entryPath)) fs.rmSync(entryPath, { force: true });
      } else if (newOrTrash && !isAlive({ pid: Number(newOrTrash[1]), start: Number(newOrTrash[2]) })) {
        fs.rmSync(entryPath, { recursive: true, force: true });
      }
    }
    try {
      fs.rmdirSync(this.waitDir);
    } catch {
      // Not empty (another process still uses the lock) or already gone.
    }
  }

  /** The lock directory's age in ms, or null when it does not exist. */
  lockDirAgeMs(): number | null {
    try {
      return Date.now() - fs.statSync(this.lockDir).mtimeMs;
    } catch {
      return null;
    }
  }
}
