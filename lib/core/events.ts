/**
 * Events: what every process of a run records (start, print, exit, lock waits…)
 * on one clock, so notebooks can draw timelines and tests can check behaviour.
 *
 * `emit` is the one call every module uses. Where the event goes is decided by
 * the process runtime: in a proclab child it is forwarded to the root process's
 * collector; in the root it is delivered to local listeners.
 */
import { now } from "./clock";

/** What each kind of event carries. One entry per kind: add a kind here, and `emit` and every reader see its type. */
export interface EventData {
  // The process runtime (lib/process).
  /** A parent started a child. */
  spawn: { child: number; childName: string; daemon: boolean; echo: boolean; ancestry: number[] };
  /** A child's code began running. */
  start: { ppid: number; daemon: boolean };
  /** A line (or chunk) a process wrote. */
  print: { stream: "stdout" | "stderr"; text: string };
  /** A parent saw its child exit. `exitCode` follows Python (-N: killed by signal N). */
  exit: { code: number | null; signal: NodeJS.Signals | null; exitCode: number | null; ready: boolean };
  /** The root saw a process's connection close: all its events have arrived. */
  end: { reason: string };
  /** A child's parent changed: it was orphaned and adopted by `to` (command name `parent`). */
  ppid: { from: number; to: number; parent: string | null };
  /** A child noticed its parent is gone. */
  "parent-died": { daemon: boolean };
  /** A target's uncaught error, as printed. */
  error: { message: string };
  /** supervise() restarts a crashed service after `delayMs`. */
  restart: { service: string; attempt: number; exitCode: number | null; delayMs: number };
  /** A pool worker starts or ends a task. */
  "task-start": { worker: string };
  "task-end": { ok: boolean };
  // The lock (lib/lock).
  "lock-requested": { lock: string; blocking: boolean; timeoutMs?: number };
  "lock-acquired": { lock: string; waitedMs: number; how: "free" | "handoff" | "recovered"; recoveredFrom?: number };
  /** `holder` held it for `heldMs`; `to` is the waiter it was handed to, if any. */
  "lock-released": { lock: string; holder: number; heldMs: number; to?: number };
  // Steps of a scheduled or recorded run (lib/schedule).
  step: { step: string; scheduled?: boolean };
  // What a buyer does (lib/tickets, lib/homework).
  work: { ms: number };
  think: { ms: number };
  read: { by: "show" | "buy"; count: number };
  "torn-read": { by: "show" | "buy"; text: string };
  write: { count: number; mode: "atomic" | "truncate" };
  /** The article's buy() took `ms`, from its read to its write: the window of its race (lib/tickets/article.ts). */
  "article-buy": { ms: number };
  // The print experiment (lib/experiments).
  "critical-enter": { locked: boolean };
  "critical-exit": { locked: boolean };
}

export type EventType = keyof EventData;

/** One event of kind `K`: when, who, and its data. */
export interface EventOf<K extends EventType> {
  /** When it happened: `now()` of the emitting process (ms since epoch, fractional). */
  t: number;
  /** Emitting process id. */
  pid: number;
  /** Emitting process name (`MainProcess` in a root process). */
  name: string;
  type: K;
  data: EventData[K];
}

/** Any event: check `type` and TypeScript knows its `data`. */
export type ProcEvent = { [K in EventType]: EventOf<K> }[EventType];

/** Whether `event` is of kind `type` (a filter that narrows: `events.filter(isEvent("print"))`). */
export function isEvent<K extends EventType>(type: K): (event: ProcEvent) => event is Extract<ProcEvent, { type: K }> {
  return (event): event is Extract<ProcEvent, { type: K }> => event.type === type;
}

type Sink = (event: ProcEvent) => void;

let processName = "MainProcess";
let forward: Sink | null = null;
/** While a pool task runs, its events go to the pool over the task's channel instead of the collector link. */
let divert: Sink | null = null;
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
  return forward !== null || divert !== null || listeners.size > 0;
}

/**
 * From now on, sends this process's events to `sink` instead of forwarding them (local
 * listeners still hear them), until the returned function is called. A pool worker streams a
 * task's events to the pool over the task's own channel, so each event travels one way only.
 */
export function divertEvents(sink: Sink): () => void {
  divert = sink;
  return () => {
    if (divert === sink) divert = null;
  };
}

/** Records one event of this process. */
export function emit<K extends EventType>(type: K, data: EventData[K]): EventOf<K> {
  const event = { t: now(), pid: process.pid, name: processName, type, data } as EventOf<K>;
  deliver(event as unknown as ProcEvent); // EventOf<K> is one member of the union for every K
  return event;
}

/** Delivers an event (ours or one a child sent) to the forwarder or to local listeners. */
export function deliver(event: ProcEvent): void {
  if (divert) divert(event);
  else if (forward) forward(event);
  for (const listener of listeners) listener(event);
}

/** Calls `listener` for every event delivered in this process; returns an unsubscribe function. */
export function onEvent(listener: Sink): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
