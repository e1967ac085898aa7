/**
 * One lock as seen by one process: its hold, its local waiters (acquire() calls in this
 * process, first come first served) and its place in the lock's wait queue.
 */
import { now } from "../core/clock";
import { emit, recording, type EventData } from "../core/events";
import { selfIdentity } from "../core/pids";
import { emptyTrash, emptyTrashNow, isLocked, setTrashDir, tryLock, unlock } from "./mutex";
import { OwnerRecord, type Owner } from "./owner";
import { sharedMode, WaitQueue, type Waker } from "./queue";
import { lockChanged } from "./watch";

/** How often a waiter looks by itself: catches a lost wake-up and a dead holder. */
const POLL_MS = 10;

type HowAcquired = EventData["lock-acquired"]["how"];

interface LocalWaiter {
  requestedAt: number;
  resolve: (acquired: boolean) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | null;
}

export class LockState {
  private readonly me = selfIdentity();
  private readonly queue: WaitQueue;
  private readonly owner: OwnerRecord;
  /** Our hold, while this process holds the lock. */
  private hold: { since: number } | null = null;
  private readonly waiters: LocalWaiter[] = [];
  private poll: NodeJS.Timeout | null = null;

  constructor(readonly file: string) {
    this.owner = new OwnerRecord(file, sharedMode(file).file);
    this.queue = new WaitQueue(file, this.me, () => this.serveWaiters("woken"));
    setTrashDir(file, this.queue.trashDir);
    // The FIFO takes a few ms to make: start now, so it is ready when this process first waits.
    this.queue.prepare().catch(() => undefined); // a failure is reported by the acquire that needs it
  }

  acquire(blocking: boolean, timeoutMs: number | undefined): Promise<boolean> {
    const requestedAt = now();
    lockChanged("requested", this.file);
    if (recording()) emit("lock-requested", { lock: this.file, blocking, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    // Free, and nobody waits (here or elsewhere): take it. Otherwise queue behind the waiters.
    if (this.waiters.length === 0 && !this.stillHeld() && this.queue.isOurTurn() && this.take()) {
      this.reportAcquired(requestedAt, "free");
      return Promise.resolve(true);
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const waiter: LocalWaiter = { requestedAt, resolve, reject, timer: null };
      if (timeoutMs !== undefined) waiter.timer = setTimeout(() => this.timeOut(waiter), timeoutMs);
      this.waiters.push(waiter);
      this.poll ??= setInterval(() => this.serveWaiters("poll"), POLL_MS);
      this.queue.prepare().then(
        () => {
          if (this.waiters.length > 0) this.queue.join();
          this.serveWaiters("poll"); // a holder already gone is taken over at once
        },
        () => this.serveWaiters("poll"), // no FIFO (no mkfifo here?): this waiter polls
      );
    });
  }

  /**
   * Gives the lock to the first local waiter if it is our turn and the lock can be had. Woken by
   * a releaser, it is our turn; on a poll, we check the queue and whether the holder died.
   */
  private serveWaiters(why: "woken" | "poll"): void {
    try {
      this.tryServe(why);
    } catch (error) {
      // The lock cannot be had at all (its folder was deleted, say): every waiter hears why.
      for (const waiter of [...this.waiters]) {
        this.removeWaiter(waiter);
        waiter.reject(error);
      }
    }
  }

  private tryServe(why: "woken" | "poll"): void {
    if (this.waiters.length === 0 || this.stillHeld()) return;
    // Woken but not (or no longer) in the queue: a stale wake-up; look at the queue like a poll.
    if ((why === "poll" || !this.queue.isQueued) && !this.queue.isOurTurn()) return;
    let how: HowAcquired = "handoff";
    if (!this.take()) {
      if (why !== "poll" || !this.takeFromDeadHolder()) return;
      how = "recovered";
    }
    const waiter = this.waiters.shift() as LocalWaiter;
    if (waiter.timer) clearTimeout(waiter.timer);
    this.queue.leave();
    if (this.waiters.length > 0)
      this.queue.join(); // the next local waiter waits at the back, like anyone
    else this.stopPolling();
    this.reportAcquired(waiter.requestedAt, how);
    waiter.resolve(true);
  }

  private take(): boolean {
    if (!tryLock(this.file, () => this.lost())) return false;
    this.hold = { since: now() };
    this.owner.write(this.me, this.hold.since);
    return true;
  }

  /** The holder recorded for the lock has died: take the lock from it. */
  private takeFromDeadHolder(): boolean {
    const owner = this.owner.read();
    if (!owner || !this.owner.holderIsDead(owner)) return false;
    const since = now();
    if (!this.owner.takeOver(owner, this.me, () => this.lost(), since)) return false;
    this.hold = { since };
    this.recoveredFrom = owner.pid;
    return true;
  }

  private recoveredFrom: number | undefined;

  /** proper-lockfile found our hold taken from us (another process released it). */
  private lost(): void {
    this.hold = null;
  }

  /** Whether our hold is still ours: another process may have released it (Python allows that). */
  private stillHeld(): boolean {
    if (!this.hold) return false;
    const owner = this.owner.read();
    if (owner && owner.pid === this.me.pid && owner.start === this.me.start) return true;
    this.hold = null;
    return false;
  }

  /**
   * Releases the lock: ours, or (as Python allows) another process's. Throws "lock released too
   * many times" when it is free. The first waiter is woken before this returns.
   */
  release(): void {
    if (this.stillHeld() && this.hold) {
      const heldMs = now() - this.hold.since;
      this.hold = null;
      // Recorded before the unlock, so a release always precedes the next acquisition on the timeline.
      this.reportReleased({ lock: this.file, holder: this.me.pid, heldMs });
      this.owner.clear(this.me, true); // stillHeld() just read it: ours
      // Found while we still hold the lock: between the unlock and the wake-up, only one write.
      // Finding it must never keep the lock held: on any error, unlock first and look again after.
      let next: Waker | null | "unknown";
      try {
        next = this.queue.firstWaiter();
      } catch {
        next = "unknown";
      }
      let unlocked = false;
      try {
        unlocked = unlock(this.file);
      } finally {
        if (!unlocked && next !== null && next !== "unknown") this.queue.forget(next); // no fd left open
      }
      if (!unlocked) throw new Error("lock released too many times");
      if (next === "unknown") this.wakeNext();
      else if (next) this.queue.wake(next);
      else if (this.waiters.length === 0) emptyTrash();
      return;
    }
    const owner = this.owner.read();
    if (!owner)
      throw new Error(
        isLocked(this.file)
          ? "lock released by another process while its holder was still taking it; try again"
          : "lock released too many times",
      );
    this.releaseForeign(owner);
  }

  /** Releases the hold of another process: take it over (serialised with recoveries), then release it. */
  private releaseForeign(owner: Owner): void {
    if (!this.owner.takeOver(owner, this.me, () => undefined, now())) {
      if (!isLocked(this.file)) throw new Error("lock released too many times");
      throw new Error(`lock held by pid ${owner.pid} could not be released: it changed hands meanwhile; try again`);
    }
    this.reportReleased({ lock: this.file, holder: owner.pid, heldMs: now() - owner.since });
    this.owner.clear(this.me);
    unlock(this.file);
    this.wakeNext();
  }

  /** Wakes the first waiter; with none, deletes released lock directories (slow: see mutex.ts) now that nobody waits. */
  private wakeNext(): void {
    if (!this.queue.wakeFirst() && this.waiters.length === 0) emptyTrash();
  }

  /** The current holder (possibly one that died and is about to be replaced), or null when free. */
  holder(): { pid: number; since: number } | null {
    if (this.stillHeld() && this.hold) return { pid: this.me.pid, since: this.hold.since };
    const owner = this.owner.read();
    return owner && isLocked(this.file) ? { pid: owner.pid, since: owner.since } : null;
  }

  private timeOut(waiter: LocalWaiter): void {
    if (!this.waiters.includes(waiter)) return;
    this.removeWaiter(waiter);
    waiter.resolve(false);
  }

  private removeWaiter(waiter: LocalWaiter): void {
    this.waiters.splice(this.waiters.indexOf(waiter), 1);
    if (waiter.timer) clearTimeout(waiter.timer);
    if (this.waiters.length === 0) {
      this.stopPolling();
      if (this.queue.isQueued) {
        this.queue.leave();
        // We may have been woken as the first waiter just before giving up: pass it on.
        if (this.hold === null && !isLocked(this.file)) this.wakeNext();
      }
    }
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  private reportReleased(released: EventData["lock-released"]): void {
    lockChanged("released", this.file);
    if (recording()) emit("lock-released", released);
  }

  private reportAcquired(requestedAt: number, how: HowAcquired): void {
    lockChanged("acquired", this.file);
    const recoveredFrom = this.recoveredFrom;
    this.recoveredFrom = undefined;
    if (recording())
      emit("lock-acquired", {
        lock: this.file,
        waitedMs: now() - requestedAt,
        how,
        ...(recoveredFrom !== undefined ? { recoveredFrom } : {}),
      });
  }

  /** At exit: a hold is released (its waiters need not wait for a recovery), our queue entry goes. */
  leaveAtExit(): void {
    if (this.hold) {
      this.hold = null;
      this.owner.clear(this.me);
      unlock(this.file);
      this.queue.wakeFirst();
    }
    emptyTrashNow(); // first: the queue's folder can only go once its trash is empty
    this.queue.close();
    this.owner.close();
  }
}
