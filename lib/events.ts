/**
 * Events: what every process of a run records (start, print, exit, lock waits…)
 * on one clock, so notebooks can draw timelines and tests can check behaviour.
 *
 * `emit` is the one call every module uses. Where the event goes is decided by
 * the process runtime: in a proclab child it is forwarded to the root process's
 * collector; in the root it is delivered to local listeners.
 */
import { now } from "./clock";

export interface ProcEvent {
  /** When it happened: `now()` of the emitting process (ms since epoch, fractional). */
  t: number;
  /** Emitting process id. */
  pid: number;
  /** Emitting process name (`MainProcess` in a root process). */
  name: string;
  /** What happened, e.g. `start`, `print`, `exit`, `ppid`, `lock-requested`, `lock-acquired`, `lock-released`, `read`, `write`. */
  type: string;
  /** Details, plain JSON data. */
  data?: Record<string, unknown>;
}

type Sink = (event: ProcEvent) => void;

let processName = "MainProcess";
let forward: Sink | null = null;
const listeners = new Set<Sink>();

/** The name under which this process records events. */
export function currentProcessName(): string {
  return processName;
}

/** Used by the process runtime: names this process and decides where its events go. */
export function configureEvents(name: string, forwardTo: Sink | null): void {
  processName = name;
  forward = forwardTo;
}

/** Whether this process's events go anywhere; a hot path may skip building events nobody receives. */
export function recording(): boolean {
  return forward !== null || listeners.size > 0;
}

/** Records one event of this process. */
export function emit(type: string, data?: Record<string, unknown>): ProcEvent {
  const event: ProcEvent = { t: now(), pid: process.pid, name: processName, type, ...(data ? { data } : {}) };
  deliver(event);
  return event;
}

/** Delivers an event (ours or one a child sent) to the forwarder or to local listeners. */
export function deliver(event: ProcEvent): void {
  if (forward) forward(event);
  for (const listener of listeners) listener(event);
}

/** Calls `listener` for every event delivered in this process; returns an unsubscribe function. */
export function onEvent(listener: Sink): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
