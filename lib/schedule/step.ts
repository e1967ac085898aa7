/**
 * Named steps, the process side. A target marks its steps with `await
 * steps.step("read")`. In a free run that only records a `step` event (no
 * waiting, no messages). In a scheduled run the process parks at every step
 * until the scheduler in the parent says "go", so exactly one process moves at
 * a time and the interleaving is the schedule's.
 */
import * as net from "node:net";
import { emit } from "../core/events";
import { watchLocks } from "../lock/watch";
import { readJsonLines, writeJsonLine } from "../core/lines";
import type { ProcessMessage, SchedulerMessage, StepLink } from "./protocol";

/** The subset of proclab's Lock that stepped locking uses. */
export interface SteppableLock {
  withLock<T>(fn: () => T | Promise<T>): Promise<T>;
}

export interface Steps {
  /** Marks the step `name`; scheduled: resolves when the scheduler lets this process take it. */
  step(name: string): Promise<void>;
  /** `lock.withLock(fn)` with an `acquire` step before it and a `release` step at its end. */
  withLock<T>(lock: SteppableLock, fn: () => T | Promise<T>): Promise<T>;
  /** This process takes no more steps (call once, in a finally). */
  end(): void;
}

const done = Promise.resolve();

function stepsWith(step: (name: string) => Promise<void>, end: () => void): Steps {
  return {
    step,
    end,
    async withLock(lock, fn) {
      await step("acquire");
      return lock.withLock(async () => {
        try {
          return await fn();
        } finally {
          await step("release");
        }
      });
    },
  };
}

/** Free steps: one event each, nothing else. */
export const freeSteps: Steps = stepsWith(
  (name) => {
    emit("step", { step: name });
    return done;
  },
  () => undefined,
);

/** The steps of this process: free without a link, scheduled (connected to the scheduler) with one. */
export async function joinSchedule(link?: StepLink | null): Promise<Steps> {
  if (!link) return freeSteps;
  const socket = net.createConnection(link.socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", (error) => reject(new Error(`step scheduler at ${link.socket} is not reachable: ${error.message}`)));
  });
  const send = (message: ProcessMessage): void => writeJsonLine(socket, message);
  send({ type: "hello", process: link.process, run: link.run, pid: process.pid });

  let waiting: { resolve: () => void; reject: (error: Error) => void } | null = null;
  let closed = false;
  readJsonLines<SchedulerMessage>(socket, (message) => {
    if (message.type !== "go" || !waiting) return;
    const { resolve } = waiting;
    waiting = null;
    resolve();
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    closed = true;
    waiting?.reject(new Error(`process ${link.process}: the step scheduler closed the connection while this process waited at a step`));
    waiting = null;
  });
  // Lock changes are passed on after the synchronous part of acquire()/release(), so when the
  // scheduler hears "requested" this process is already queued for the lock (hand-over order is fixed).
  const stopWatching = watchLocks(({ what, lock }) => queueMicrotask(() => send({ type: "lock", what, lock })));

  const step = (name: string): Promise<void> => {
    if (closed) return Promise.reject(new Error(`process ${link.process}: the step scheduler is gone; cannot take step ${name}`));
    if (waiting) return Promise.reject(new Error(`process ${link.process}: step ${name} while another step is waiting; await each step`));
    const go = new Promise<void>((resolve, reject) => (waiting = { resolve, reject }));
    send({ type: "at", step: name });
    return go.then(() => void emit("step", { step: name, scheduled: true }));
  };
  const end = (): void => {
    stopWatching();
    // After the lock reports queued above (same microtask queue, first in first out).
    queueMicrotask(() => {
      send({ type: "end" });
      socket.end();
    });
  };
  return stepsWith(step, end);
}
