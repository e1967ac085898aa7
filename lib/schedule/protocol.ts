/**
 * The control channel between a stepped process and the scheduler in the
 * parent: one Unix socket connection per process, JSON lines both ways.
 * A socket (not the pool's IPC channel, which carries tasks) closes by itself
 * when the process dies, so the scheduler never waits for a dead process.
 */

/** Where a process finds its scheduler, and who it is there. Travels in the task's args. */
export interface StepLink {
  /** The scheduler's Unix socket. */
  socket: string;
  /** This process's letter in schedules ("A", "B", …). */
  process: string;
  /** Which run of the scheduler this process belongs to (stale connections are refused). */
  run: number;
}

/** Process → scheduler. */
export type ProcessMessage =
  | { type: "hello"; process: string; run: number; pid: number }
  /** Parked before `step`, waiting for "go". */
  | { type: "at"; step: string }
  /** This process's own lock events, so the scheduler knows who holds and who waits. */
  | { type: "lock"; what: "requested" | "acquired" | "released"; lock: string }
  | { type: "end" };

/** Scheduler → process: take the step you are parked at. */
export type SchedulerMessage = { type: "go" };
