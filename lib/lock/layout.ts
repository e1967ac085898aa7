/**
 * The files of one lock at `path`:
 *   path           an empty file, the name proper-lockfile locks
 *   path.lock/     proper-lockfile's directory: exists while the lock is held
 *   path.lock/owner-<pid>-<start>-<since>   who holds it, and since when (ms, shared clock)
 *   path.lock/kept-<pid>-<start>-<at>       instead of the owner: released at `at`, kept an instant
 *                  by its last holder for a quick re-take (see state.ts); the lock is free
 *   path.wait/     waiters' FIFOs: q-<ticket>-<pid>-<start> queued, i-<pid>-<start> idle,
 *                  t-… a released lock directory being deleted
 * Ownership lives in the marker's name so that handing the lock over (or taking it
 * from a dead holder) is one atomic rename, and reading it is one readdir.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProcessIdentity } from "./identity";

export interface Owner extends ProcessIdentity {
  /** When it became the holder (ms, `now()` clock); for a kept lock, when it was released. */
  since: number;
  /** The marker's file name, which changes on every hand-over. */
  marker: string;
  /** Released, but kept by this process for an instant: free to the waiters' eyes. */
  kept: boolean;
}

export class LockFiles {
  readonly path: string;
  readonly lockDir: string;
  readonly waitDir: string;

  constructor(lockPath: string) {
    this.path = lockPath;
    this.lockDir = `${lockPath}.lock`;
    this.waitDir = `${lockPath}.wait`;
  }

  /** Creates the lock file and the waiters' folder; errors name the path and the cause. */
  prepare(): void {
    const folder = path.dirname(this.path);
    if (!fs.existsSync(folder)) {
      throw new Error(`Lock: folder ${JSON.stringify(folder)} does not exist (lock path ${JSON.stringify(this.path)})`);
    }
    try {
      fs.closeSync(fs.openSync(this.path, "a"));
      fs.mkdirSync(this.waitDir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`Lock: cannot create the lock files at ${JSON.stringify(this.path)} (${code}); expected a writable folder`);
    }
  }

  markerName(who: ProcessIdentity, since: number): string {
    return `owner-${who.pid}-${who.start}-${since.toFixed(3)}`;
  }

  /** The current holder, or null when the lock is free (or only kept). */
  readOwner(): Owner | null {
    const marker = this.readMarker();
    return marker && !marker.kept ? marker : null;
  }

  /** The lock directory's marker, owner or kept, or null when there is none. */
  readMarker(): Owner | null {
    let names: string[];
    try {
      names = fs.readdirSync(this.lockDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    for (const marker of names) {
      const m = /^(owner|kept)-(\d+)-(\d+)-([\d.]+)$/.exec(marker);
      if (m) return { pid: Number(m[2]), start: Number(m[3]), since: Number(m[4]), marker, kept: m[1] === "kept" };
    }
    return null;
  }

  /** Atomically gives the lock held (or kept) under `from` to `to`; null when `from` is no longer the marker. */
  transfer(from: Owner, to: ProcessIdentity, since: number): string | null {
    return this.renameMarker(from, this.markerName(to, since));
  }

  /** Atomically marks the lock held under `from` as released at `at` but kept by its holder; null when `from` is gone. */
  keep(from: Owner, at: number): Owner | null {
    const marker = `kept-${from.pid}-${from.start}-${at.toFixed(3)}`;
    return this.renameMarker(from, marker) ? { pid: from.pid, start: from.start, since: at, marker, kept: true } : null;
  }

  private renameMarker(from: Owner, marker: string): string | null {
    try {
      fs.renameSync(path.join(this.lockDir, from.marker), path.join(this.lockDir, marker));
      return marker;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** Frees the lock: moves the whole directory away (atomic), then deletes it. False when already free. */
  removeLockDir(who: ProcessIdentity): boolean {
    const trash = path.join(this.waitDir, `t-${who.pid}-${who.start}-${Math.random().toString(36).slice(2)}`);
    try {
      fs.renameSync(this.lockDir, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    // It holds only the owner marker; fs.rmSync's recursive walk costs several more syscalls.
    for (const name of fs.readdirSync(trash)) fs.unlinkSync(path.join(trash, name));
    fs.rmdirSync(trash);
    return true;
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
