/**
 * One process's side of one lock path: its local waiters (several async tasks of
 * a process may wait for the same lock, as threads do in Python), its place in
 * the cross-process queue, and the moves: take a free lock, receive a hand-over,
 * take over from a dead holder, release.
 *
 * Deferred hand-on: a cross-process hand-over costs a process wake-up (0.5–1 ms on a
 * busy machine), while many programs release and re-acquire at once (a loop around a
 * short critical section). So a process that releases its own lock, with none of its
 * tasks waiting, only marks it released (one rename, to a `kept-…` marker; the lock is
 * free to everyone's eyes: holder() is null, a second release throws) and hands it on
 * only when its event loop turns. A re-acquire before that takes the lock back with one
 * rename (a quick re-take). Bounded, so no waiter starves: at most MAX_QUICK_RETAKES
 * quick re-takes, and only within QUICK_RETAKE_WINDOW_MS of getting the lock, then the
 * release hands over to the first waiter as usual.
 */
import { now } from "../core/clock";
import { emit, recording, type EventData } from "../core/events";
import { lockChanged } from "./watch";
import { isAlive, selfIdentity, type ProcessIdentity } from "../core/pids";
import type { LockFiles, LockMarker } from "./layout";
import { properLockfile, removeAbandonedEmptyDir, tryMakeLockDir } from "./mutex";
import { anyQueued, closeWaiterFifo, dequeueWaiter, firstWaiter, freeAndWake, wakeWaiter, QueueSlot } from "./queue";

/** While waiting, how often to check that the holder is alive (and catch a missed wake-up). */
const POLL_MS = 20;
/** A lock directory without an owner this old was left by a process killed inside its mkdir. */
const ABANDONED_EMPTY_MS = 2000;
/** Consecutive quick re-takes, and ms since the lock came to this process, before its release must hand over. */
const MAX_QUICK_RETAKES = 16;
const QUICK_RETAKE_WINDOW_MS = 5;
/** A released lock not handed on after this long (its releaser's event loop is blocked): waiters take it. */
const RELEASED_STALE_MS = 10;

interface LocalWaiter {
  requestedAt: number;
  resolve: (acquired: boolean) => void;
  timer: NodeJS.Timeout | null;
}

/** How a lock was acquired, as the `lock-acquired` event tells it. */
type HowAcquired = "free" | "handoff" | "recovered";

function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.start === b.start;
}

export class LockState {
  readonly files: LockFiles;
  private readonly self = selfIdentity();
  private readonly queueSlot: QueueSlot;
  private readonly localWaiters: LocalWaiter[] = [];
  /** The last owner marker naming this process that it took; a different marker naming us is a new hand-over. */
  private lastTakenMarker: string | null = null;
  /** The hold this process believes it has (its marker), so its own release needs no readdir. */
  private myHold: LockMarker | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** The released marker while this process has released the lock but not handed it on yet. */
  private releasedNotHandedOn: LockMarker | null = null;
  /** Quick re-takes since the lock came to this process, and when it came. */
  private quickRetakes = 0;
  private gotLockAt = 0;
  private handOnScheduled = false;

  constructor(files: LockFiles) {
    this.files = files;
    properLockfile(); // loaded now, so that the first acquire's wait does not include it
    this.queueSlot = new QueueSlot(this.files, this.self, () => this.tryTakeForWaiters(false));
  }

  acquire(blocking: boolean, timeoutMs: number | undefined): Promise<boolean> {
    const requestedAt = now();
    lockChanged("requested", this.files.path);
    if (recording()) emit("lock-requested", { lock: this.files.path, blocking, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    // Only when nobody of ours is waiting already: first come, first served inside a process too.
    if (this.localWaiters.length === 0 && this.tryTakeFree()) {
      this.reportAcquired(requestedAt, "free");
      return Promise.resolve(true);
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const waiter: LocalWaiter = { requestedAt, resolve, timer: null };
      if (timeoutMs !== undefined) waiter.timer = setTimeout(() => this.timeOut(waiter), timeoutMs);
      this.localWaiters.push(waiter);
      // Polling starts before the first enqueue, which makes this process's FIFO (a few ms).
      if (!this.pollTimer) this.pollTimer = setInterval(() => this.tryTakeForWaiters(true), POLL_MS);
      try {
        this.queueSlot.enqueue();
      } catch (error) {
        this.removeLocalWaiter(waiter);
        reject(error);
        return;
      }
      // Queued now, so a release from here on wakes us; one that came before left the lock free.
      // The holder's liveness is checked at once too: a holder already dead is taken over now.
      this.tryTakeForWaiters(true);
    });
  }

  /**
   * Releases the lock, whoever holds it. The holder's own release defers the hand-on (see above)
   * within the bounds; otherwise the lock is handed to the first waiter (first come, first
   * served, so no waiter starves) by renaming the owner marker: the lock directory stays,
   * and mkdir/rmdir, slow on a journaling disk, are left to the uncontended case.
   */
  release(): void {
    const releasedAt = now();
    const hold = this.myHold;
    this.myHold = null;
    if (
      hold &&
      this.localWaiters.length === 0 &&
      this.quickRetakes < MAX_QUICK_RETAKES &&
      releasedAt - this.gotLockAt < QUICK_RETAKE_WINDOW_MS
    ) {
      // Recorded before the rename, so a release always precedes the next acquisition on the timeline.
      lockChanged("released", this.files.path);
      if (recording()) emit("lock-released", { lock: this.files.path, holder: hold.pid, heldMs: releasedAt - hold.since });
      this.releasedNotHandedOn = this.files.markReleased(hold, releasedAt);
      if (this.releasedNotHandedOn) {
        this.scheduleHandOn();
        return;
      }
      // Our marker is gone: another process released this hold meanwhile. Release whoever holds it now.
    }
    const owner = this.files.readOwner();
    if (!owner) throw new Error("lock released too many times");
    const releasedEvent = { lock: this.files.path, holder: owner.pid, heldMs: now() - owner.since };
    // A rename that fails means a concurrent release of the same hold.
    if (!this.handOver(owner, releasedEvent)) throw new Error("lock released too many times");
  }

  /** Gives the lock held under `from` to the first waiter, or frees it; false when `from` is no longer the marker. */
  private handOver(from: LockMarker, releasedEvent: EventData["lock-released"] | null): boolean {
    for (let next = firstWaiter(this.files); next; next = firstWaiter(this.files)) {
      if (!dequeueWaiter(this.files, next)) {
        closeWaiterFifo(next); // it left the queue itself meanwhile
        continue;
      }
      if (releasedEvent) this.reportReleased({ ...releasedEvent, to: next.pid });
      const handedOver = this.files.transfer(from, next, now());
      wakeWaiter(next); // even on failure: it is out of the queue and must look again
      return handedOver !== null;
    }
    if (releasedEvent) this.reportReleased(releasedEvent);
    // A released lock is free for anyone to take: own it again first, so as not to delete a newcomer's lock.
    if (from.released && !this.files.transfer(from, this.self, now())) return false;
    return freeAndWake(this.files, this.self);
  }

  private scheduleHandOn(): void {
    if (this.handOnScheduled) return;
    this.handOnScheduled = true;
    setImmediate(() => {
      this.handOnScheduled = false;
      this.handOnReleased();
    });
  }

  /** The event loop turned without a quick re-take: the released lock goes to the first waiter, or is freed. */
  private handOnReleased(): void {
    const released = this.releasedNotHandedOn;
    if (!released) return;
    this.releasedNotHandedOn = null;
    this.handOver(released, null); // false: taken meanwhile by a newcomer or a waiter, nothing left to do
  }

  /** At exit: a released lock is handed on at once (process.exit() skips setImmediate), and this process leaves the queue. */
  leaveAtExit(): void {
    // Each step on its own: nothing to report to at exit, and a failure must not skip the others
    // (a released lock not handed on is taken over by waiters after RELEASED_STALE_MS).
    for (const step of [() => this.handOnReleased(), () => this.queueSlot.close(), () => this.files.removeWaitDirIfUnused()]) {
      try {
        step();
      } catch {
        // see above
      }
    }
  }

  holder(): LockMarker | null {
    return this.files.readOwner();
  }

  /**
   * Looks at the lock after a wake-up or a poll tick, and takes it for the local waiters when it
   * is ours to take; the holder's liveness (a /proc read) is checked on poll ticks only.
   */
  private tryTakeForWaiters(checkHolder: boolean): void {
    const marker = this.files.readMarker();
    if (marker && sameProcess(marker, this.self)) {
      if (!marker.released && marker.name !== this.lastTakenMarker) {
        this.gotLock(marker.name, marker.since);
        this.grantToLocalWaiter("handoff");
      }
    } else if (this.localWaiters.length === 0) {
      return;
    } else if (marker?.released) {
      // Its releaser hands it on when its event loop turns; a dead or blocked releaser cannot.
      const stuck = checkHolder && (now() - marker.since > RELEASED_STALE_MS || !isAlive(marker));
      if (stuck && this.takeOthersReleased(marker)) this.grantToLocalWaiter("free");
    } else if (marker) {
      if (checkHolder && !isAlive(marker)) {
        // The rename succeeds for exactly one waiter: the others see the new marker.
        const since = now();
        const name = this.files.transfer(marker, this.self, since);
        if (name) {
          this.gotLock(name, since);
          this.grantToLocalWaiter("recovered", marker.pid);
        }
      }
    } else if (this.tryTakeFree()) {
      this.grantToLocalWaiter("free");
    } else if ((this.files.lockDirAgeMs() ?? 0) > ABANDONED_EMPTY_MS && !this.files.readMarker()) {
      removeAbandonedEmptyDir(this.files);
    }
    if (this.localWaiters.length > 0) this.queueSlot.enqueue(); // a releaser may have taken us out without handing over
  }

  /**
   * Takes the lock if it is free: the lock this process released but has not handed on back
   * (a quick re-take: one rename, within the bounds checked at release), else a new lock
   * directory, else a lock another process released but has not handed on, when nobody is queued for it.
   */
  private tryTakeFree(): boolean {
    if (this.releasedNotHandedOn) {
      const released = this.releasedNotHandedOn;
      this.releasedNotHandedOn = null;
      const since = now();
      const name = this.files.transfer(released, this.self, since);
      if (name) {
        this.lastTakenMarker = name;
        this.myHold = this.myHoldMarker(since, name);
        this.quickRetakes += 1;
        return true;
      }
    }
    const since = now();
    const name = this.files.ownerMarkerName(this.self, since);
    if (tryMakeLockDir(this.files, name)) {
      this.gotLock(name, since);
      return true;
    }
    const marker = this.files.readMarker();
    return marker !== null && marker.released && !anyQueued(this.files) && this.takeOthersReleased(marker);
  }

  /** Takes a lock another process released but has not handed on (free, so no takeover); false when someone was faster. */
  private takeOthersReleased(released: LockMarker): boolean {
    const since = now();
    const name = this.files.transfer(released, this.self, since);
    if (!name) return false;
    this.gotLock(name, since);
    return true;
  }

  /** The lock came to this process under the marker `name` (its since is `since`), not by a quick re-take. */
  private gotLock(name: string, since: number): void {
    this.lastTakenMarker = name;
    this.myHold = this.myHoldMarker(since, name);
    this.quickRetakes = 0;
    this.gotLockAt = now();
  }

  /** Our hold under the marker `name`, built field by field: an object spread costs ~2 µs on the handoff path. */
  private myHoldMarker(since: number, name: string): LockMarker {
    return { pid: this.self.pid, start: this.self.start, since, name, released: false };
  }

  /** Gives the lock this process just received to its first local waiter, or passes it on. */
  private grantToLocalWaiter(how: HowAcquired, recoveredFrom?: number): void {
    const waiter = this.localWaiters.shift();
    if (!waiter) {
      // A hand-over for a waiter that gave up meanwhile.
      this.release();
      return;
    }
    if (waiter.timer) clearTimeout(waiter.timer);
    if (this.localWaiters.length === 0) this.stopWaiting();
    this.reportAcquired(waiter.requestedAt, how, recoveredFrom);
    waiter.resolve(true);
  }

  /** `waiter`'s timeout has passed: it stops waiting and gets false. */
  private timeOut(waiter: LocalWaiter): void {
    if (this.removeLocalWaiter(waiter)) waiter.resolve(false);
  }

  /** Takes `waiter` out of the waiting list; false when it was not in it (granted or gone already). */
  private removeLocalWaiter(waiter: LocalWaiter): boolean {
    const index = this.localWaiters.indexOf(waiter);
    if (index < 0) return false;
    this.localWaiters.splice(index, 1);
    if (waiter.timer) clearTimeout(waiter.timer);
    if (this.localWaiters.length === 0) this.stopWaiting();
    return true;
  }

  private stopWaiting(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    // False when a releaser took us out first: its wake-up arrives and tryTakeForWaiters() passes the lock on.
    this.queueSlot.dequeue();
  }

  private reportReleased(releasedEvent: EventData["lock-released"]): void {
    lockChanged("released", releasedEvent.lock);
    emit("lock-released", releasedEvent);
  }

  private reportAcquired(requestedAt: number, how: HowAcquired, recoveredFrom?: number): void {
    lockChanged("acquired", this.files.path);
    if (!recording()) return;
    emit("lock-acquired", {
      lock: this.files.path,
      waitedMs: now() - requestedAt,
      how,
      ...(recoveredFrom !== undefined ? { recoveredFrom } : {}),
    });
  }
}
