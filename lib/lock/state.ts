/**
 * One process's side of one lock path: its local waiters (several async tasks of
 * a process may wait for the same lock, as threads do in Python), its place in
 * the cross-process queue, and the moves: take a free lock, receive a hand-over,
 * take over from a dead holder, release.
 */
import { now } from "../clock";
import { emit } from "../events";
import { isAlive, selfIdentity, type ProcessIdentity } from "./identity";
import { LockFiles, type Owner } from "./layout";
import { properLockfile, removeAbandonedEmptyDir, tryMkdir } from "./mutex";
import { closeWaiter, dequeueWaiter, firstWaiter, poke, QueueSlot } from "./queue";

/** While waiting, how often to check that the holder is alive (and catch a missed poke). */
const POLL_MS = 20;
/** A lock directory without an owner this old was left by a process killed inside its mkdir. */
const ABANDONED_EMPTY_MS = 2000;

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
  private poll: NodeJS.Timeout | null = null;

  constructor(lockPath: string) {
    this.files = new LockFiles(lockPath);
    this.files.prepare();
    properLockfile(); // loaded now, so that the first acquire's wait does not include it
    this.slot = new QueueSlot(this.files, this.self, () => this.pump(false));
  }

  acquire(blocking: boolean, timeoutMs: number | undefined): Promise<boolean> {
    const requestedAt = now();
    emit("lock-requested", { lock: this.files.path, blocking, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    // Only when nobody of ours is waiting already: first come, first served inside a process too.
    if (this.waiters.length === 0 && this.takeFree()) {
      this.announce(requestedAt, "free");
      return Promise.resolve(true);
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: LocalWaiter = { requestedAt, resolve, timer: null };
      if (timeoutMs !== undefined) waiter.timer = setTimeout(() => this.giveUp(waiter), timeoutMs);
      this.waiters.push(waiter);
      this.slot.enqueue();
      if (!this.poll) this.poll = setInterval(() => this.pump(true), POLL_MS);
      // Queued now, so a release from here on pokes us; one that came before left the lock free.
      this.pump(false);
    });
  }

  /**
   * Releases the lock, whoever holds it. With waiters queued, the lock is handed to the
   * first one (first come, first served, so no waiter starves) by renaming the owner
   * marker: the lock directory stays, and mkdir/rmdir, slow on a journaling disk, are
   * left to the uncontended case.
   */
  release(): void {
    const owner = this.files.readOwner();
    if (!owner) throw new Error("lock released too many times");
    const released = { lock: this.files.path, holder: owner.pid, heldMs: now() - owner.since };
    // Events are recorded just before the atomic rename, so a release always precedes the next
    // acquisition on the timeline; a rename that fails means a concurrent release of the same hold.
    for (let next = firstWaiter(this.files); next; next = firstWaiter(this.files)) {
      if (!dequeueWaiter(this.files, next)) {
        closeWaiter(next); // it left the queue itself meanwhile
        continue;
      }
      emit("lock-released", { ...released, to: next.pid });
      const handedOver = this.files.transfer(owner, next, now());
      poke(next); // even on failure: it is out of the queue and must look again
      if (!handedOver) throw new Error("lock released too many times");
      return;
    }
    emit("lock-released", released);
    if (!this.files.removeLockDir(this.self)) throw new Error("lock released too many times");
    const first = firstWaiter(this.files);
    if (first) poke(first);
  }

  holder(): Owner | null {
    return this.files.readOwner();
  }

  /**
   * Looks at the lock after a poke or a poll tick, and takes it when it is ours to take;
   * the holder's liveness (a /proc read) is checked on poll ticks only.
   */
  private pump(checkHolder: boolean): void {
    const owner = this.files.readOwner();
    if (owner && sameProcess(owner, this.self)) {
      if (owner.marker !== this.consumed) {
        this.consumed = owner.marker;
        this.grant("handoff");
      }
    } else if (this.waiters.length === 0) {
      return;
    } else if (owner) {
      if (checkHolder && !isAlive(owner)) {
        // The rename succeeds for exactly one waiter: the others see the new marker.
        const marker = this.files.transfer(owner, this.self, now());
        if (marker) {
          this.consumed = marker;
          this.grant("recovered", owner.pid);
        }
      }
    } else if (this.takeFree()) {
      this.grant("free");
    } else if ((this.files.lockDirAgeMs() ?? 0) > ABANDONED_EMPTY_MS && !this.files.readOwner()) {
      removeAbandonedEmptyDir(this.files);
    }
    if (this.waiters.length > 0) this.slot.enqueue(); // a releaser may have taken us out without handing over
  }

  private takeFree(): boolean {
    const marker = this.files.markerName(this.self, now());
    if (!tryMkdir(this.files, marker)) return false;
    this.consumed = marker;
    return true;
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
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    if (this.waiters.length === 0) this.stopWaiting();
    waiter.resolve(false);
  }

  private stopWaiting(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    // False when a releaser took us out first: its poke arrives and pump() passes the lock on.
    this.slot.dequeue();
  }

  private announce(requestedAt: number, how: How, recoveredFrom?: number): void {
    emit("lock-acquired", {
      lock: this.files.path,
      waitedMs: now() - requestedAt,
      how,
      ...(recoveredFrom !== undefined ? { recoveredFrom } : {}),
    });
  }
}
