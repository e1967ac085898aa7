/**
 * The waiters of a lock in arrival order, and how a releaser wakes the first one.
 *
 * `<file>.waiters/` holds one FIFO per process that uses the lock: `i-<pid>-<start>` while it
 * waits for nothing, renamed `q-<ticket>-<pid>-<start>` while it waits (ticket: arrival time in
 * µs on the shared clock, so names sort in arrival order). A releaser writes one byte into the
 * first; that waiter's event loop wakes at once (tens of µs) and takes the lock. Only the first
 * waiter tries, and newcomers queue behind waiters instead of grabbing the lock: first come,
 * first served. A FIFO nobody reads belongs to a process that is gone: it is removed.
 * Waiters also poll, so a lost wake-up costs a poll period, never correctness.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { now } from "../core/clock";
import { isAlive, type ProcessIdentity } from "../core/pids";

const ENTRY = /^[qit]-(?:\d+-)?(\d+)-(\d+)$/;

export function waitDirOf(file: string): string {
  return `${file}.waiters`;
}

/**
 * Opens the FIFO at `fifo` for writing: its fd; "gone" when nobody reads it (its process has
 * ended) or it is no FIFO; "foreign" when it is another user's, which we may not write to
 * (that waiter is there, but finds its turn by polling).
 */
function openWriter(fifo: string): number | "gone" | "foreign" {
  let fd: number;
  try {
    // O_NOFOLLOW and the FIFO check: never write into a file someone planted under that name.
    fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENXIO" || code === "ENOENT" || code === "ELOOP") return "gone";
    if (code === "EACCES" || code === "EPERM") return "foreign";
    throw error;
  }
  if (fs.fstatSync(fd).isFIFO()) return fd;
  fs.closeSync(fd);
  return "gone";
}

/**
 * The permissions for what the lock makes beside its file: whoever may write the lock's folder
 * may use the lock, so a folder shared by users (sticky, writable by all, like /tmp) gets a
 * waiters' folder that all can queue in, and FIFOs all can wake.
 */
export function sharedMode(file: string): { dir: number; fifo: number; file: number } {
  const folder = fs.statSync(file.slice(0, file.lastIndexOf("/")) || "/").mode;
  const shared = (folder & 0o022) !== 0;
  return shared ? { dir: 0o1777, fifo: 0o622, file: 0o666 } : { dir: 0o755, fifo: 0o600, file: 0o644 };
}

/** Makes the wait folder if needed; refuses one that is not a real folder (a planted symlink). */
function makeWaitDir(dir: string, mode: number): void {
  try {
    fs.mkdirSync(dir);
    fs.chmodSync(dir, mode); // not through mkdir: the umask would take the sharing away
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST")
      throw new Error(`Lock: cannot make the waiters' folder ${JSON.stringify(dir)} (${code}); expected a writable folder`);
  }
  if (!fs.lstatSync(dir).isDirectory()) throw new Error(`Lock: ${JSON.stringify(dir)} is not a folder (a symlink or a file); remove it`);
}

/** Removes an entry of a process that is gone; another user's may not be ours to remove (then its owner's next look does). */
function removeEntry(entry: string): void {
  try {
    fs.rmSync(entry, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES" && (error as NodeJS.ErrnoException).code !== "EPERM") throw error;
  }
}

/** The first waiter, found: this process, another user's (it polls), or an open FIFO to write one byte into. */
export type Waker = { kind: "self" } | { kind: "foreign" } | { kind: "fifo"; fd: number };

export class WaitQueue {
  readonly dir: string;
  /** Where released lock directories wait to be deleted (mutex.ts), out of the queue's way. */
  readonly trashDir: string;
  private readonly idleName: string;
  /** Our FIFO's name in the queue while we wait, else null. */
  private queuedName: string | null = null;
  private reader: net.Socket | null = null;
  private ready: Promise<void> | null = null;
  private readonly mode: ReturnType<typeof sharedMode>;

  constructor(
    file: string,
    private readonly me: ProcessIdentity,
    private readonly onWake: () => void,
  ) {
    this.dir = waitDirOf(file);
    this.idleName = `i-${me.pid}-${me.start}`;
    this.trashDir = `${this.dir}/trash`;
    this.mode = sharedMode(file);
    makeWaitDir(this.dir, this.mode.dir);
    makeWaitDir(this.trashDir, this.mode.dir);
  }

  /** Makes this process's FIFO and listens on it (once; `mkfifo` takes a few ms, so start early). */
  prepare(): Promise<void> {
    this.ready ??= this.makeFifo();
    return this.ready;
  }

  private async makeFifo(): Promise<void> {
    this.removeLeftovers();
    const fifo = `${this.dir}/${this.idleName}`;
    fs.rmSync(fifo, { force: true }); // no live process has our pid and start: a leftover
    await new Promise<void>((resolve, reject) =>
      execFile("mkfifo", ["-m", this.mode.fifo.toString(8), fifo], (error) =>
        error ? reject(new Error(`Lock: cannot make a wake-up FIFO at ${fifo}: ${error.message}`)) : resolve(),
      ),
    );
    // O_RDWR: the FIFO never reports end-of-file when a releaser closes its end.
    const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    this.reader = new net.Socket({ fd, readable: true, writable: false });
    this.reader.on("data", () => this.onWake());
    this.reader.on("error", () => undefined);
    this.reader.unref(); // a waiting acquire keeps the process alive with its own timer; an idle FIFO must not
  }

  /** Removes what processes that are gone left here (killed before they could clean up). */
  private removeLeftovers(): void {
    for (const dir of [this.dir, this.trashDir]) {
      for (const name of fs.readdirSync(dir)) {
        const match = ENTRY.exec(name);
        if (match && !isAlive({ pid: Number(match[1]), start: Number(match[2]) })) removeEntry(`${dir}/${name}`);
      }
    }
  }

  get isQueued(): boolean {
    return this.queuedName !== null;
  }

  /** Enters the queue at the back; if our FIFO is gone (its folder removed meanwhile), we stay out and only poll. */
  join(): void {
    if (this.queuedName || !this.reader) return;
    const name = `q-${String(Math.round(now() * 1000)).padStart(17, "0")}-${this.me.pid}-${this.me.start}`;
    try {
      fs.renameSync(`${this.dir}/${this.idleName}`, `${this.dir}/${name}`);
      this.queuedName = name;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.reader.destroy(); // nobody can wake us any more: poll
      this.reader = null;
    }
  }

  /** Leaves the queue. */
  leave(): void {
    if (!this.queuedName) return;
    try {
      fs.renameSync(`${this.dir}/${this.queuedName}`, `${this.dir}/${this.idleName}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    this.queuedName = null;
  }

  /** The queued entries in arrival order. */
  private queued(): string[] {
    try {
      return fs
        .readdirSync(this.dir)
        .filter((name) => name.startsWith("q-"))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  /** Whether we may take the lock now: nobody live waits ahead of us. Entries of processes that are gone are removed. */
  isOurTurn(): boolean {
    for (const name of this.queued()) {
      if (name === this.queuedName) return true;
      const fd = openWriter(`${this.dir}/${name}`);
      if (fd === "gone") {
        removeEntry(`${this.dir}/${name}`);
        continue;
      }
      if (fd !== "foreign") fs.closeSync(fd);
      return false;
    }
    return true;
  }

  /**
   * Finds the first live waiter and opens its FIFO, without waking it yet: a releaser does this
   * while it still holds the lock, so that only the one-byte write remains between its unlock and
   * the wake-up. null when nobody waits.
   */
  firstWaiter(): Waker | null {
    for (const name of this.queued()) {
      if (name === this.queuedName) return { kind: "self" };
      const fd = openWriter(`${this.dir}/${name}`);
      if (fd === "gone") {
        removeEntry(`${this.dir}/${name}`); // nobody reads it: its process is gone
        continue;
      }
      if (fd === "foreign") return { kind: "foreign" }; // another user's waiter: it finds its turn by polling
      return { kind: "fifo", fd };
    }
    return null;
  }

  /** Wakes the waiter `firstWaiter` found (ourselves: `onWake` runs soon, in this process). */
  wake(waiter: Waker): void {
    if (waiter.kind === "self") setImmediate(this.onWake);
    if (waiter.kind !== "fifo") return;
    try {
      fs.writeSync(waiter.fd, "!");
    } catch (error) {
      // EAGAIN: full of wake-ups already; EPIPE: its reader left meanwhile (it polls if it still waits).
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EAGAIN" && code !== "EPIPE") throw error;
    } finally {
      fs.closeSync(waiter.fd);
    }
  }

  /** Lets go of a waiter found but not woken (the release failed). */
  forget(waiter: Waker): void {
    if (waiter.kind === "fifo") fs.closeSync(waiter.fd);
  }

  /** Wakes the first waiter; false when nobody waits. */
  wakeFirst(): boolean {
    const waiter = this.firstWaiter();
    if (waiter) this.wake(waiter);
    return waiter !== null;
  }

  /**
   * At exit: our FIFO goes. The folder stays (with its empty trash folder): removing it would race
   * with a process that is just making it, and an empty folder beside the lock file costs nothing.
   */
  close(): void {
    this.reader?.destroy();
    fs.rmSync(`${this.dir}/${this.queuedName ?? this.idleName}`, { force: true });
  }
}
