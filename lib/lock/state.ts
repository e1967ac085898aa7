/**
 * One process's side of one lock path: its local waiters (several async tasks of
 * a process may wait for the same lock, as threads do in Python), its place in
 * the cross-process queue, and the moves: take a free lock, receive a hand-over,
 * take over from a dead holder, release.
 *
 * Keeping: a cross-process hand-over costs a process wake-up (0.5–1 ms on a busy
 * machine), while many programs release and re-acquire at once (a loop around a
 * short critical section). So a process that releases its own lock, with none of
 * its tasks waiting, marks it "kept" (one rename; the lock is free to everyone's
 * eyes: holder() is null, a second release throws) and hands it on only when its
 * event loop turns. A re-acquire before that takes the kept lock back with one
 * rename. Bounded, so no waiter starves: at most KEEP_MAX re-takes or KEEP_MS in a
 * row, then the release hands over to the first waiter as usual.
 */
import { now } from "../core/clock";
import { emit, recording, type EventData } from "../core/events";
import { lockChanged } from "./watch";
import { isAlive, selfIdentity, type ProcessIdentity } from "../core/pids";
import type { LockFiles, Owner } from "./layout";
import { properLockfile, removeAbandonedEmptyDir, tryMkdir } from "./mutex";
import { anyQueued, closeWaiter, dequeueWaiter, firstWaiter, freeAndWake, poke, QueueSlot } from "./queue";

/** While waiting, how often to check that the holder is alive (and catch a missed poke). */
const POLL_MS = 20;
/** A lock directory without an owner this old was left by a process killed inside its mkdir. */
const ABANDONED_EMPTY_MS = 2000;
/** Consecutive re-takes of a kept lock, and ms since the lock came to this process, before it must hand over. */
const KEEP_MAX = 16;
const KEEP_MS = 5;
/** A kept lock not handed on after this long (its keeper's event loop is blocked): waiters take it. */
const KEPT_STALE_MS = 10;

interface LocalWaiter {
  requestedAt: number;
  resolve: (acquired: boolean) => void;
  timer: NodeJS.Timeout | null;
}

type How = "free" | "handoff" | "recovered";

function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.start === b.start;
}

export class LockState {
  readonly files: LockFiles;
  private readonly self = selfIdentity();
  private readonly slot: QueueSlot;
  private readonly waiters: LocalWaiter[] = [];
  /** The last owner marker this process received; a different marker naming us is a new hand-over. */
  private consumed: string | null = null;
  /** The hold this process believes it has (its marker), so its own release needs no readdir. */
  private holding: Owner | null = null;
  private poll: NodeJS.Timeout | null = null;
  /** The kept marker while this process keeps the lock it released. */
  private kept: Owner | null = null;
  /** Re-takes of the kept lock since it came to this process, and when it came. */
  private retakes = 0;
  private cameAt = 0;
  private handOnPending = false;

  constructor(files: LockFiles) {
    this.files = files;
    properLockfile(); // loaded now, so that the first acquire's wait does not include it
    this.slot = new QueueSlot(this.files, this.self, () => this.pump(false));
  }

  acquire(blocking: boolean, timeoutMs: number | undefined): Promise<boolean> {
    const requestedAt = now();
    lockChanged("requested", this.files.path);
    if (recording()) emit("lock-requested", { lock: this.files.path, blocking, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    // Only when nobody of ours is waiting already: first come, first served inside a process too.
    if (this.waiters.length === 0 && this.takeFree()) {
      this.announce(requestedAt, "free");
      return Promise.resolve(true);
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const waiter: LocalWaiter = { requestedAt, resolve, timer: null };
      if (timeoutMs !== undefined) waiter.timer = setTimeout(() => this.giveUp(waiter), timeoutMs);
      this.waiters.push(waiter);
      // Polling starts before the first enqueue, which makes this process's FIFO (a few ms).
      if (!this.poll) this.poll = setInterval(() => this.pump(true), POLL_MS);
      try {
        this.slot.enqueue();
      } catch (error) {
        this.forget(waiter);
        reject(error);
        return;
      }
      // Queued now, so a release from here on pokes us; one that came before left the lock free.
      // The holder's liveness is checked at once too: a holder already dead is taken over now.
      this.pump(true);
    });
  }

  /**
   * Releases the lock, whoever holds it. The holder's own release keeps it (see above)
   * within the bounds; otherwise the lock is handed to the first waiter (first come, first
   * served, so no waiter starves) by renaming the owner marker: the lock directory stays,
   * and mkdir/rmdir, slow on a journaling disk, are left to the uncontended case.
   */
  release(): void {
    const at = now();
    const mine = this.holding;
    this.holding = null;
    if (mine && this.waiters.length === 0 && this.retakes < KEEP_MAX && at - this.cameAt < KEEP_MS) {
      // Recorded before the rename, so a release always precedes the next acquisition on the timeline.
      lockChanged("released", this.files.path);
      if (recording()) emit("lock-released", { lock: this.files.path, holder: mine.pid, heldMs: at - mine.since });
      this.kept = this.files.keep(mine, at);
      if (this.kept) {
        this.startKeeping();
        return;
      }
      // Our marker is gone: another process released this hold meanwhile. Release whoever holds it now.
    }
    const owner = this.files.readOwner();
    if (!owner) throw new Error("lock released too many times");
    const released = { lock: this.files.path, holder: owner.pid, heldMs: now() - owner.since };
    // A rename that fails means a concurrent release of the same hold.
    if (!this.handOver(owner, released)) throw new Error("lock released too many times");
  }

  /** Gives the lock held under `from` to the first waiter, or frees it; false when `from` is no longer the marker. */
  private handOver(from: Owner, released: EventData["lock-released"] | null): boolean {
    for (let next = firstWaiter(this.files); next; next = firstWaiter(this.files)) {
      if (!dequeueWaiter(this.files, next)) {
        closeWaiter(next); // it left the queue itself meanwhile
        continue;
      }
      if (released) this.reportReleased({ ...released, to: next.pid });
      const handedOver = this.files.transfer(from, next, now());
      poke(next); // even on failure: it is out of the queue and must look again
      return handedOver !== null;
    }
    if (released) this.reportReleased(released);
    // A kept lock is free for anyone to take: own it again first, so as not to delete a newcomer's lock.
    if (from.kept && !this.files.transfer(from, this.self, now())) return false;
    return freeAndWake(this.files, this.self);
  }

  private startKeeping(): void {
    if (this.handOnPending) return;
    this.handOnPending = true;
    setImmediate(() => {
      this.handOnPending = false;
      this.handOnKept();
    });
  }

  /** The event loop turned without a re-take: the kept lock goes to the first waiter, or is freed. */
  private handOnKept(): void {
    const kept = this.kept;
    if (!kept) return;
    this.kept = null;
    this.handOver(kept, null); // false: taken meanwhile by a newcomer or a waiter, nothing left to do
  }

  /** At exit: a kept lock goes on at once (process.exit() skips setImmediate), and this process leaves the queue. */
  leave(): void {
    // Each step on its own: nothing to report to at exit, and a failure must not skip the others
    // (a kept lock not handed on is taken over by waiters after KEPT_STALE_MS).
    for (const step of [() => this.handOnKept(), () => this.slot.close(), () => this.files.leaveWaitDir()]) {
      try {
        step();
      } catch {
        // see above
      }
    }
  }

  holder(): Owner | null {
    return this.files.readOwner();
  }

  /**
   * Looks at the lock after a poke or a poll tick, and takes it when it is ours to take;
   * the holder's liveness (a /proc read) is checked on poll ticks only.
   */
  private pump(checkHolder: boolean): void {
    const owner = this.files.readMarker();
    if (owner && sameProcess(owner, this.self)) {
      if (!owner.kept && owner.marker !== this.consumed) {
        this.came(owner.marker, owner.since);
        this.grant("handoff");
      }
    } else if (this.waiters.length === 0) {
      return;
    } else if (owner?.kept) {
      // Its keeper hands it on when its event loop turns; a dead or blocked keeper cannot.
      const stuck = checkHolder && (now() - owner.since > KEPT_STALE_MS || !isAlive(owner));
      if (stuck && this.takeKept(owner)) this.grant("free");
    } else if (owner) {
      if (checkHolder && !isAlive(owner)) {
        // The rename succeeds for exactly one waiter: the others see the new marker.
        const since = now();
        const marker = this.files.transfer(owner, this.self, since);
        if (marker) {
          this.came(marker, since);
          this.grant("recovered", owner.pid);
        }
      }
    } else if (this.takeFree()) {
      this.grant("free");
    } else if ((this.files.lockDirAgeMs() ?? 0) > ABANDONED_EMPTY_MS && !this.files.readMarker()) {
      removeAbandonedEmptyDir(this.files);
    }
    if (this.waiters.length > 0) this.slot.enqueue(); // a releaser may have taken us out without handing over
  }

  /**
   * Takes the lock if it is free: our own kept lock back (one rename, within the keeping
   * bounds checked at release), else a new lock directory, else a lock kept by another
   * process when nobody is queued for it.
   */
  private takeFree(): boolean {
    if (this.kept) {
      const kept = this.kept;
      this.kept = null;
      const since = now();
      const marker = this.files.transfer(kept, this.self, since);
      if (marker) {
        this.consumed = marker;
        this.holding = this.ownHold(since, marker);
        this.retakes += 1;
        return true;
      }
    }
    const since = now();
    const marker = this.files.markerName(this.self, since);
    if (tryMkdir(this.files, marker)) {
      this.came(marker, since);
      return true;
    }
    const owner = this.files.readMarker();
    return owner !== null && owner.kept && !anyQueued(this.files) && this.takeKept(owner);
  }

  /** Takes a lock kept by another process (free, so no takeover); false when someone was faster. */
  private takeKept(kept: Owner): boolean {
    const since = now();
    const marker = this.files.transfer(kept, this.self, since);
    if (!marker) return false;
    this.came(marker, since);
    return true;
  }

  /** The lock came to this process under `marker` (its since is `since`), not by a re-take. */
  private came(marker: string, since: number): void {
    this.consumed = marker;
    this.holding = this.ownHold(since, marker);
    this.retakes = 0;
    this.cameAt = now();
  }

  /** Our hold under `marker`, built field by field: an object spread costs ~2 µs on the handoff path. */
  private ownHold(since: number, marker: string): Owner {
    return { pid: this.self.pid, start: this.self.start, since, marker, kept: false };
  }

  /** Gives the lock this process just received to its first local waiter, or passes it on. */
  private grant(how: How, recoveredFrom?: number): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      // A hand-over for a waiter that gave up meanwhile.
      this.release();
      return;
    }
    if (waiter.timer) clearTimeout(waiter.timer);
    if (this.waiters.length === 0) this.stopWaiting();
    this.announce(waiter.requestedAt, how, recoveredFrom);
    waiter.resolve(true);
  }

  private giveUp(waiter: LocalWaiter): void {
    if (this.forget(waiter)) waiter.resolve(false);
  }

  /** Takes `waiter` out of the waiting list; false when it was not in it (granted or gone already). */
  private forget(waiter: LocalWaiter): boolean {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return false;
    this.waiters.splice(index, 1);
    if (waiter.timer) clearTimeout(waiter.timer);
    if (this.waiters.length === 0) this.stopWaiting();
    return true;
  }

  private stopWaiting(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    // False when a releaser took us out first: its poke arrives and pump() passes the lock on.
    this.slot.dequeue();
  }

  private reportReleased(released: EventData["lock-released"]): void {
    lockChanged("released", released.lock);
    emit("lock-released", released);
  }

  private announce(requestedAt: number, how: How, recoveredFrom?: number): void {
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
