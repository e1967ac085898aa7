/**
 * The control channel between a stepped process and the scheduler in the
 * parent: one Unix socket connection per process, JSON lines both ways.
 * A socket (not the pool's IPC channel, which carries tasks) closes by itself
 * when the process dies, so the scheduler never waits for a dead process.
 */
import type * as net from "node:net";

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

export function sendLine(socket: net.Socket, message: ProcessMessage | SchedulerMessage): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/** Calls `onMessage` for each JSON line that arrives on `socket`. */
export function readLines<T>(socket: net.Socket, onMessage: (message: T) => void): void {
  let buffer = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line.trim() !== "") onMessage(JSON.parse(line) as T);
    }
  });
}
