/**
 * The referee of a homework rush. The lock handed to a student's buyers is kept here, in the
 * process that checks them, and `work(ms)` is timed here too: who held the lock, when, and
 * when each buyer did its non-critical work is this process's own record. A buyer process can
 * report anything about itself, but it can only hold this lock by really holding it, and it is
 * known by the channel it asks on, which it cannot choose.
 *
 * The lock behaves as `Lock` does for a buyer: one holder, waiters served first come first
 * served, `acquire(blocking, timeoutMs)`, a holder that dies frees it. Unlike `Lock`, only its
 * holder may release it (a buyer releases its own lock).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { now, sleep } from "../core/clock";
import { emit } from "../core/events";
import { isRunning } from "../core/pids";
import { registerReviver, TRANSFER, type Transfer, type Transferable } from "../core/transfer";
import { holding } from "../lock";
import { askParent, parentOffers, type ServiceHandler } from "../process";

const SERVICE = "referee";

/** A span of time of one buyer, on this process's `now()` clock (ms). */
export interface BuyerSpan {
  /** The task's name, e.g. `buyer-0`. */
  buyer: string;
  pid: number;
  start: number;
  /** Infinity while it lasts (a hold never released). */
  end: number;
  /** For work: the ms the buyer asked for. */
  askedMs?: number;
}

/** Called in this process, synchronously, when the lock changes hands: what a check may do to the world at that moment. */
export interface RefereeHooks {
  /** `buyer` has just been given the lock (before it hears so). */
  taken?: (buyer: string) => void;
  /** The lock has just become free (before a waiter is given it). */
  freed?: (buyer: string) => void;
}

type Question = { op: "acquire"; blocking: boolean; timeoutMs?: number } | { op: "release"; ack?: string } | { op: "work"; ms: number };

interface Waiter {
  buyer: string;
  pid: number;
  grant: (got: boolean) => void;
  timer?: NodeJS.Timeout;
}

/** How often a waiter's referee looks whether the holder process still lives. */
const DEAD_HOLDER_POLL_MS = 20;

export class Referee {
  /** Every hold of the lock, in order. */
  readonly holds: BuyerSpan[] = [];
  /** Every `work(ms)`, in order. */
  readonly works: BuyerSpan[] = [];
  /** Pass to `pool.run(…, { services })`. */
  readonly services: Record<string, ServiceHandler> = { [SERVICE]: (body, task) => this.#answer(body, task) };
  /** When the lock last became free (`now()`), or null if it never was held. */
  lastFreed: number | null = null;
  #held: BuyerSpan | null = null;
  #waiting: Waiter[] = [];
  #deadHolderTimer: NodeJS.Timeout | null = null;
  readonly #hooks: RefereeHooks;

  readonly #ackDir: string | null;

  /**
   * `ackDir`: a folder both sides can write. A buyer's `release()` then waits until this
   * referee has handled it (a file it writes there), so nothing the buyer does after
   * `release()` returns can happen before the lock is free here, as with `Lock`.
   */
  constructor(hooks: RefereeHooks = {}, ackDir: string | null = null) {
    this.#hooks = hooks;
    this.#ackDir = ackDir;
  }

  /** The lock to hand to buyers; `label` names it in messages. */
  lock(label: string): RefereedLock {
    return new RefereedLock(label, this.#ackDir);
  }

  /** The buyer holding the lock now, or null. */
  holder(): string | null {
    return this.#held?.buyer ?? null;
  }

  /** Ends the referee's watch: waiters are refused. Open holds stay open (end Infinity). */
  close(): void {
    for (const waiter of this.#waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.grant(false);
    }
    this.#watchHolder(false);
  }

  #answer(body: unknown, task: { name: string; pid: number }): unknown {
    const question = parseQuestion(body);
    if (question.op === "work") {
      const span: BuyerSpan = { buyer: task.name, pid: task.pid, start: now(), end: Infinity, askedMs: question.ms };
      this.works.push(span);
      return sleep(question.ms).then(() => {
        span.end = now();
      });
    }
    if (question.op === "release") {
      const mine = this.#held?.buyer === task.name;
      if (mine) this.#pass();
      if (question.ack !== undefined && this.#ackDir !== null) fs.writeFileSync(path.join(this.#ackDir, question.ack), "");
      if (!mine) throw new Error("lock released too many times: this buyer does not hold it");
      return true;
    }
    if (this.#held === null && this.#waiting.length === 0) {
      this.#take(task.name, task.pid);
      return true;
    }
    if (!question.blocking) return false;
    return new Promise<boolean>((grant) => {
      const waiter: Waiter = { buyer: task.name, pid: task.pid, grant };
      if (question.timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          this.#waiting = this.#waiting.filter((w) => w !== waiter);
          grant(false);
        }, question.timeoutMs);
      }
      this.#waiting.push(waiter);
      this.#watchHolder(true);
    });
  }

  #take(buyer: string, pid: number): void {
    this.#held = { buyer, pid, start: now(), end: Infinity };
    this.holds.push(this.#held);
    this.#hooks.taken?.(buyer);
  }

  /** Ends the current hold and hands the lock to the first waiter. */
  #pass(): void {
    if (this.#held) {
      this.#held.end = now();
      this.#hooks.freed?.(this.#held.buyer);
    }
    this.lastFreed = now();
    this.#held = null;
    const next = this.#waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      this.#take(next.buyer, next.pid);
      next.grant(true);
    }
    this.#watchHolder(this.#waiting.length > 0);
  }

  /** While someone waits, a holder whose process died frees the lock (as `Lock`'s recovery does). */
  #watchHolder(on: boolean): void {
    if (!on) {
      if (this.#deadHolderTimer) clearInterval(this.#deadHolderTimer);
      this.#deadHolderTimer = null;
      return;
    }
    this.#deadHolderTimer ??= setInterval(() => {
      if (this.#held && !isRunning(this.#held.pid)) this.#pass();
    }, DEAD_HOLDER_POLL_MS);
  }
}

/** A question comes from a student's process: anything else than these shapes is refused. */
function parseQuestion(body: unknown): Question {
  const q = body as Partial<Record<string, unknown>> | null;
  const op = typeof q === "object" && q !== null ? q.op : undefined;
  if (op === "release") {
    if (q?.ack === undefined) return { op };
    // The referee writes a file of this name: digits and a dash only.
    if (typeof q.ack === "string" && /^\d{1,10}-\d{1,10}$/.test(q.ack)) return { op, ack: q.ack };
  }
  if (op === "work" && typeof q?.ms === "number" && q.ms >= 0 && Number.isFinite(q.ms)) return { op, ms: q.ms };
  if (op === "acquire" && typeof q?.blocking === "boolean") {
    const timeoutMs = q.timeoutMs;
    if (timeoutMs === undefined) return { op, blocking: q.blocking };
    if (typeof timeoutMs === "number" && timeoutMs >= 0 && Number.isFinite(timeoutMs)) return { op, blocking: q.blocking, timeoutMs };
  }
  throw new Error(`the referee does not understand ${JSON.stringify(body)?.slice(0, 80)}`);
}

/** This process's holds, by lock label: a buyer releases only a lock it holds. */
const heldHere = new Map<string, number>();

/**
 * The lock a buyer gets in a graded rush: the API of `Lock` (acquire, release, withLock), kept
 * by the referee in the process that runs the rush. It works only in the buyer's own process.
 */
export class RefereedLock implements Transferable {
  /** A label, not a file: this lock lives in the referee. */
  readonly path: string;

  readonly #ackDir: string | null;

  constructor(label: string, ackDir: string | null = null) {
    this.path = `referee:${label}`;
    this.#ackDir = ackDir;
  }

  /** Waits for the lock: `true` once held; `false` at once when `blocking` is false and it is held, or after `timeoutMs`. */
  async acquire(blocking = true, timeoutMs?: number): Promise<boolean> {
    if (typeof blocking !== "boolean") throw new TypeError(`Lock.acquire: blocking must be a boolean, not ${JSON.stringify(blocking)}`);
    if (timeoutMs !== undefined) {
      if (!blocking) throw new Error("Lock.acquire: can't specify a timeout for a non-blocking call");
      if (typeof timeoutMs !== "number" || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs))
        throw new RangeError(`Lock.acquire: timeoutMs must be a finite number >= 0, not ${timeoutMs}`);
    }
    const asked = now();
    const got = (await askParent(SERVICE, { op: "acquire", blocking, timeoutMs })) === true;
    if (got) {
      heldHere.set(this.path, now());
      emit("lock-acquired", { lock: this.path, waitedMs: now() - asked, how: "free" });
    }
    return got;
  }

  /** Releases the lock this process holds; throws "lock released too many times" when it holds none. */
  release(): void {
    const since = heldHere.get(this.path);
    if (since === undefined) throw new Error("lock released too many times");
    heldHere.delete(this.path);
    emit("lock-released", { lock: this.path, holder: process.pid, heldMs: now() - since });
    // Questions travel in order: a later acquire of this process is answered after this release.
    if (this.#ackDir === null) {
      askParent(SERVICE, { op: "release" }).catch(() => undefined);
      return;
    }
    const ack = `${process.pid}-${++releases}`;
    askParent(SERVICE, { op: "release", ack }).catch(() => undefined);
    waitForFile(path.join(this.#ackDir, ack), RELEASE_ACK_WAIT_MS);
  }

  /** Runs `fn` holding the lock, and releases it afterwards, also when `fn` throws. */
  withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    return holding(this, fn);
  }

  /** This process, if it holds the lock; otherwise null (the referee knows the rest). */
  holder(): { pid: number; since: number } | null {
    const since = heldHere.get(this.path);
    return since === undefined ? null : { pid: process.pid, since };
  }

  [TRANSFER](): Transfer<{ label: string; ackDir: string | null }> {
    return { kind: "RefereedLock", module: __filename, state: { label: this.path.slice("referee:".length), ackDir: this.#ackDir } };
  }

  toString(): string {
    return `<Lock ${this.path}>`;
  }
}

registerReviver("RefereedLock", (state) => {
  const { label, ackDir } = (state ?? {}) as { label?: unknown; ackDir?: unknown };
  if (typeof label !== "string" || (ackDir !== null && typeof ackDir !== "string"))
    throw new TypeError(`RefereedLock: cannot revive from ${JSON.stringify(state)}: expected { label: string, ackDir: string | null }`);
  return new RefereedLock(label, ackDir);
});

let releases = 0;
/** How long a release waits for the referee's word before going on (it then behaves as without ackDir). */
const RELEASE_ACK_WAIT_MS = 2000;

/** Waits, blocking this thread (release() is synchronous, as Lock's is), until `file` exists; then removes it. */
function waitForFile(file: string, ms: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + ms;
  while (!fs.existsSync(file) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 1);
  fs.rmSync(file, { force: true });
}

/** `work(ms)` in a buyer of a graded rush: the referee times it. */
export function refereedWork(ms: number): Promise<void> {
  return askParent(SERVICE, { op: "work", ms }).then(() => undefined);
}

/** True in a buyer's process whose task is refereed (its work and lock go to the referee). */
export function refereeIsHere(): boolean {
  return parentOffers(SERVICE);
}
