/**
 * A pool worker's side: a warm process that runs one task at a time. Under a
 * barrier it first prepares (loads the target, revives args such as a Lock),
 * reports, and starts only on the pool's `go`, so a trial's participants
 * start together. A task's events stream to the pool over the task's channel as they happen
 * (not over the collector link): the pool delivers them in the parent and returns them with
 * the result, also when the task times out or its worker dies.
 */
import { currentProcessName, divertEvents, emit, type ProcEvent } from "../core/events";
import { reviveArgs } from "./args";
import { answerArrived, setRunningTask, type Answer } from "./ask";
import { renameTo } from "./link";
import { loadTarget, type WireTarget } from "./target";

export type PoolRequest =
  | { type: "task"; id: number; name: string; target: WireTarget; args: unknown[]; barrier: boolean; services: string[] }
  | { type: "go"; id: number }
  | Answer;

export type PoolReply =
  | { type: "prepared"; id: number }
  /** One of the task's events, as it happens. */
  | { type: "event"; id: number; event: ProcEvent }
  | { type: "result"; id: number; ok: boolean; value?: unknown; error?: string };

function reply(message: PoolReply): void {
  if (!process.connected) return;
  try {
    process.send?.(message);
  } catch (error) {
    if (message.type !== "result") throw error;
    process.send?.({
      ...message,
      ok: false,
      value: undefined,
      error: `the return value cannot be copied to the parent: ${(error as Error).message}`,
    });
  }
}

export function serveTasks(): void {
  const workerName = currentProcessName();
  let release: (() => void) | null = null;
  process.on("message", (message: PoolRequest) => {
    if (message.type === "task") void runTask(message);
    else if (message.type === "answer") answerArrived(message);
    else if (message.type === "go") {
      release?.();
      release = null;
    }
  });

  async function runTask(task: Extract<PoolRequest, { type: "task" }>): Promise<void> {
    renameTo(task.name);
    setRunningTask({ id: task.id, services: task.services });
    const stopDiverting = divertEvents((event) => reply({ type: "event", id: task.id, event }));
    let result: { ok: boolean; value?: unknown; error?: string };
    try {
      const target = loadTarget(task.target);
      const args = reviveArgs(task.args);
      if (task.barrier) {
        const go = new Promise<void>((resolve) => (release = resolve));
        reply({ type: "prepared", id: task.id });
        await go;
      }
      emit("task-start", { worker: workerName });
      result = { ok: true, value: await target(...args) };
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    emit("task-end", { ok: result.ok });
    stopDiverting();
    setRunningTask(null);
    renameTo(workerName);
    reply({ type: "result", id: task.id, ...result });
  }
}
