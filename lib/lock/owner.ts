/**
 * Who holds a lock, written beside it in `<file>.owner`: one fixed-size record "pid start since
 * dir" — the holder's identity (pid and start time: pids are reused), when it took the lock, and
 * which lock directory is its hold ("inode:birth time": a directory made later is another hold).
 * The holder writes it right after locking and blanks it right before unlocking; the file stays
 * (overwriting in place is a few µs; creating and deleting a file frees disk blocks, which is slow).
 *
 * It only speeds things up: holder() reads it, and waiters use it to see in milliseconds that a
 * holder died, where proper-lockfile would wait STALE_MS. Taking the lock from a dead holder (or
 * releasing another process's hold, which Python allows) goes through proper-lockfile too.
 */
import * as fs from "node:fs";
import { isAlive, type ProcessIdentity } from "../core/pids";
import { lockDirOf, tryLock, unlock } from "./mutex";

export interface Owner extends ProcessIdentity {
  /** When it took the lock (ms, `now()` clock). */
  since: number;
  /** The lock directory of this hold: "inode:birth time in ns" (empty where the file system keeps no birth time). */
  dir: string;
}

const RECORD_BYTES = 96;
const RECORD = /^(\d+) (\d+) ([\d.]+) (\S*) *\n$/;
/** A recoverer marks a dead holder's lock directory this old and locks with this staleness. */
const RECOVERY_STALE_MS = 2_000; // proper-lockfile's minimum; far below STALE_MS, so only a recoverer sees it stale

export function ownerFileOf(file: string): string {
  return `${file}.owner`;
}

/** The identity of the lock directory now, or null when the lock is free. */
function lockDirIdentity(file: string): string | null {
  try {
    const stat = fs.statSync(lockDirOf(file), { bigint: true });
    return stat.birthtimeNs > 0n ? `${stat.ino}:${stat.birthtimeNs}` : "";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** The owner record of one lock, kept open by this process. */
export class OwnerRecord {
  private readonly fd: number;

  constructor(
    private readonly file: string,
    mode: number,
  ) {
    const path = ownerFileOf(file);
    // O_NOFOLLOW: never write through a link someone planted under this name.
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, mode);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error(`Lock: ${path} is not a regular file; remove it`);
    if (stat.uid === process.getuid?.()) fs.fchmodSync(fd, mode); // past the umask: users sharing the folder share the record
    this.fd = fd;
  }

  /** Records `who` as the holder of the lock just taken. */
  write(who: ProcessIdentity, since: number): void {
    this.put(`${who.pid} ${who.start} ${since.toFixed(3)} ${lockDirIdentity(this.file) ?? ""}`);
  }

  /** Blanks the record if it is still `who`'s (a recovery may have replaced it); `known`: the caller just read it so. */
  clear(who: ProcessIdentity, known = false): void {
    const owner = known ? who : this.read();
    if (owner && owner.pid === who.pid && owner.start === who.start) this.put("");
  }

  /** The recorded holder, or null (none, or a record being written). */
  read(): Owner | null {
    const buffer = Buffer.alloc(RECORD_BYTES);
    const length = fs.readSync(this.fd, buffer, 0, RECORD_BYTES, 0);
    const match = RECORD.exec(buffer.toString("latin1", 0, length));
    return match ? { pid: Number(match[1]), start: Number(match[2]), since: Number(match[3]), dir: match[4] } : null;
  }

  private put(text: string): void {
    fs.writeSync(this.fd, `${text.padEnd(RECORD_BYTES - 1)}\n`, 0, "latin1");
  }

  /** Whether `owner` holds the lock in place now and its process has ended. */
  holderIsDead(owner: Owner): boolean {
    return owner.dir !== "" && lockDirIdentity(this.file) === owner.dir && !isAlive(owner);
  }

  /**
   * Takes the lock from `from`, the holder recorded now: one that died, or one another process
   * releases. Recoverers are serialised by a second proper-lockfile lock (on the owner file), so
   * only one of them marks the hold stale, and only while it is still `from`'s. False when the
   * lock is no longer `from`'s, or another recoverer is at work.
   */
  takeOver(from: Owner, me: ProcessIdentity, onLost: () => void, since: number): boolean {
    const recovery = ownerFileOf(this.file);
    if (!tryLock(recovery, () => undefined, RECOVERY_STALE_MS)) return false;
    try {
      const current = this.read();
      if (!current || current.pid !== from.pid || current.start !== from.start || current.dir !== from.dir) return false;
      if (from.dir === "" || lockDirIdentity(this.file) !== from.dir) return false; // a newer hold: not ours to take
      const old = new Date(Date.now() - 2 * RECOVERY_STALE_MS);
      fs.utimesSync(lockDirOf(this.file), old, old);
      if (!tryLock(this.file, onLost, RECOVERY_STALE_MS)) return false;
      this.write(me, since); // before the next recoverer looks
      return true;
    } finally {
      unlock(recovery);
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
