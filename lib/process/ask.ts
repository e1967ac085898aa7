/**
 * A pool task asking the process that runs the pool: `askParent(service, body)` sends a
 * question over the task's IPC channel, and the pool answers with the handler given for
 * `service` in `run(tasks, { services })`. The parent knows which task asked from the channel
 * the question came on, which a task cannot choose: the homework referee keeps the lock of a
 * graded rush this way, so who held it and when is the parent's own record.
 */

/** A question from a task, as it travels. */
export interface Question {
  type: "ask";
  /** The task's id. */
  id: number;
  seq: number;
  service: string;
  body: unknown;
}

/** The parent's answer. */
export interface Answer {
  type: "answer";
  seq: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

interface RunningTask {
  id: number;
  services: readonly string[];
}

let current: RunningTask | null = null;
let nextSeq = 0;
const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

/** Called by the worker when a task starts (`task`) and ends (null). */
export function setRunningTask(task: RunningTask | null): void {
  current = task;
}

/** True inside a pool task whose run offers `service`. */
export function parentOffers(service: string): boolean {
  return current !== null && current.services.includes(service);
}

/** Asks the pool's parent; rejects when this process runs no task that the parent serves `service` for. */
export function askParent(service: string, body: unknown): Promise<unknown> {
  if (!current || !current.services.includes(service) || !process.send) {
    return Promise.reject(new Error(`${service}: only the pool task it was handed to can use it, in that task's own process`));
  }
  const question: Question = { type: "ask", id: current.id, seq: ++nextSeq, service, body };
  return new Promise((resolve, reject) => {
    waiting.set(question.seq, { resolve, reject });
    process.send?.(question, undefined, {}, (error) => {
      if (!error) return;
      waiting.delete(question.seq);
      reject(new Error(`${service}: the parent cannot be reached (${error.message})`));
    });
  });
}

/** Called by the worker for each answer that arrives. */
export function answerArrived(answer: Answer): void {
  const pending = waiting.get(answer.seq);
  if (!pending) return;
  waiting.delete(answer.seq);
  if (answer.ok) pending.resolve(answer.value);
  else pending.reject(new Error(answer.error ?? "the parent refused"));
}
