/**
 * The waiters' queue of one lock, in `<state>.wait/` (see layout.ts): one FIFO per waiting process,
 * renamed to `q-<ticket>-<pid>-<start>` while it waits (tickets sort by arrival, so
 * hand-over is first come, first served) and to `i-<pid>-<start>` while it does not.
 * A releaser wakes the first waiter by writing one byte into its FIFO, which wakes
 * that process's event loop at once: no polling on the hand-over path.
 * The waiter keeps its own FIFO open for reading and writing, so a releaser's
 * open fails with ENXIO exactly when the waiter process is gone.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { now } from "../core/clock";
import type { ProcessIdentity } from "../core/pids";
import type { LockFiles } from "./layout";

const WAKE_UP_BYTE = Buffer.from("!");

/** A queued waiter found by a releaser, with its FIFO open for the wake-up byte. */
export interface Waiter extends ProcessIdentity {
  /** Its FIFO's name in the waiters' folder (`q-…`). */
  entry: string;
  fd: number;
}

/** The first live waiter, or null; entries of dead processes are deleted on the way. */
export function firstWaiter(files: LockFiles): Waiter | null {
  const entries = files
    .waitEntries()
    .filter((name) => name.startsWith("q-"))
    .sort();
  for (const entry of entries) {
    const entryPath = `${files.waitDir}/${entry}`;
    let fd: number;
    try {
      fd = fs.openSync(entryPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENXIO")
        fs.rmSync(entryPath, { force: true }); // nobody reads it: its process died
      else if (code !== "ENOENT") throw error;
      continue;
    }
    const [, , pid, start] = entry.split("-");
    return { entry, pid: Number(pid), start: Number(start), fd };
  }
  return null;
}

/** Whether any process is queued (dead ones' entries included: they are cleaned by the next releaser). */
export function anyQueued(files: LockFiles): boolean {
  return files.waitEntries().some((name) => name.startsWith("q-"));
}

/** Takes `waiter` out of the queue (a releaser does this before handing it the lock). */
export function dequeueWaiter(files: LockFiles, waiter: Waiter): boolean {
  try {
    fs.renameSync(`${files.waitDir}/${waiter.entry}`, `${files.waitDir}/${idleFifoName(waiter)}`);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Wakes `waiter` and closes its FIFO. A full FIFO means it has unread wake-up bytes already. */
export function wakeWaiter(waiter: Waiter): void {
  try {
    fs.writeSync(waiter.fd, WAKE_UP_BYTE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
  } finally {
    fs.closeSync(waiter.fd);
  }
}

/**
 * Frees the lock (its marker already renamed to name `who` as its owner) and wakes the first
 * waiter, who takes it as a free lock; false when it was free already.
 */
export function freeAndWake(files: LockFiles, who: ProcessIdentity): boolean {
  if (!files.removeLockDir(who)) return false;
  const first = firstWaiter(files);
  if (first) wakeWaiter(first);
  return true;
}

/** Closes the FIFO that firstWaiter opened, without waking the waiter. */
export function closeWaiterFifo(waiter: Waiter): void {
  fs.closeSync(waiter.fd);
}

function idleFifoName(who: ProcessIdentity): string {
  return `i-${who.pid}-${who.start}`;
}

/** This process's place in one lock's queue, and its FIFO. */
export class QueueSlot {
  /** Our FIFO's path while it is not in the queue (`i-…`). */
  private readonly idlePath: string;
  /** Our FIFO's path while it is in the queue (`q-…`), or null. */
  private queuedPath: string | null = null;
  /** Reads our FIFO, calling onWake on each wake-up byte; null until the FIFO is made. */
  private fifoReader: net.Socket | null = null;

  constructor(
    private readonly files: LockFiles,
    private readonly self: ProcessIdentity,
    private readonly onWake: () => void,
  ) {
    this.idlePath = path.join(files.waitDir, idleFifoName(self));
  }

  /** Joins the end of the queue, unless already queued (keeping the earlier place). */
  enqueue(): void {
    if (!this.fifoReader) this.openFifo();
    if (this.queuedPath && fs.existsSync(this.queuedPath)) return;
    const ticket = Math.round(now() * 1000)
      .toString()
      .padStart(17, "0");
    const queuedPath = `${this.files.waitDir}/q-${ticket}-${this.self.pid}-${this.self.start}`;
    fs.renameSync(this.idlePath, queuedPath);
    this.queuedPath = queuedPath;
  }

  /** Leaves the queue; false when a releaser took us out first (its hand-over is on its way). */
  dequeue(): boolean {
    const queuedPath = this.queuedPath;
    this.queuedPath = null;
    if (!queuedPath) return true;
    try {
      fs.renameSync(queuedPath, this.idlePath);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  /** Takes this process's FIFO out of the folder (at exit). */
  close(): void {
    if (!this.fifoReader) return;
    fs.rmSync(this.queuedPath ?? this.idlePath, { force: true });
    fs.rmSync(this.idlePath, { force: true });
  }

  private openFifo(): void {
    const fd = this.makeFifo();
    // Unref'd: a waiting acquire keeps the process alive with its own timer, an idle FIFO must not.
    this.fifoReader = new net.Socket({ fd, readable: true, writable: false }).unref();
    this.fifoReader.on("data", () => this.onWake());
  }

  /**
   * Makes our FIFO under a new name (n-), opens it for reading, and only then names it idle (i-):
   * a FIFO named i- or q- without a reader belongs to a dead process and may be deleted by anyone.
   * A sweep may remove the waiters' folder meanwhile, if it was empty: then again.
   */
  private makeFifo(attempts = 5): number {
    const newPath = `${this.files.waitDir}/n-${this.self.pid}-${this.self.start}`;
    this.files.ensureWaitDir();
    fs.rmSync(newPath, { force: true });
    const mkfifoResult = spawnSync("mkfifo", ["-m", "600", newPath], { encoding: "utf8" });
    if (mkfifoResult.status !== 0) {
      if (!fs.existsSync(this.files.waitDir) && attempts > 1) return this.makeFifo(attempts - 1);
      throw new Error(
        `Lock: cannot create a FIFO at ${JSON.stringify(newPath)}: ${mkfifoResult.error?.message ?? mkfifoResult.stderr.trim()}`,
      );
    }
    const fd = fs.openSync(newPath, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    fs.renameSync(newPath, this.idlePath);
    return fd;
  }
}
