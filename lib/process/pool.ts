/**
 * WorkerPool: warm worker processes for experiments with many short trials
 * (a Node process takes ~65 ms to start; a task on a warm worker a few ms).
 * Task i of a run goes to worker i (unless the run names `workers`), so a trial's participants are distinct
 * processes running concurrently. Workers are daemons: they die with the root.
 * A worker that dies (killed while idle, or during a task) is replaced: before the
 * next run that needs it, or as soon as its task is reported.
 */
import type { ChildProcess } from "node:child_process";
import { deliver, type ProcEvent } from "../core/events";
import { encodeArgs } from "./args";
import { childConfig } from "./config";
import { collectorPath } from "./collector";
import { echoEvent, flushEcho } from "./echo";
import { spawnChild } from "./spawn";
import { toWireTarget, type Target } from "./target";
import type { Question } from "./ask";
import type { PoolReply, PoolRequest } from "./worker";

export interface Task {
  target: Target;
  args?: unknown[];
  /** Name in events and output; default `task-<i+1>`. */
  name?: string;
}

export interface TaskResult {
  name: string;
  /** Pid of the worker that ran it. */
  pid: number;
  ok: boolean;
  value?: unknown;
  error?: string;
  /** The task's events, print included. */
  events: ProcEvent[];
}

export interface RunOptions {
  /** Prepare every task, then release all together. Default false. */
  barrier?: boolean;
  /** Per task; a task over time has its worker killed and replaced. Default none. */
  timeoutMs?: number;
  /** Print the tasks' output in the root. Default false. */
  echo?: boolean;
  /**
   * Which workers take the tasks: task j runs on worker `workers[j]` (distinct indexes). Default:
   * task j on worker j. Lets one pool run its buyers one at a time, each still on its own process.
   */
  workers?: number[];
  /**
   * Services the tasks may ask for with `askParent(name, body)`: the handler gets the question
   * and which task asked (known from the task's channel, not from the question), and its value
   * or error is the answer. Default none.
   */
  services?: Record<string, ServiceHandler>;
}

/** Answers one task's question; `task` is who asked, as the pool knows it. */
export type ServiceHandler = (body: unknown, task: { name: string; pid: number }) => unknown;

type TaskRequest = Extract<PoolRequest, { type: "task" }>;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

interface Barrier {
  gate: Deferred<boolean>;
  /** Per task (in task order, not worker order): whether it prepared. */
  allPrepared: Promise<boolean[]>;
  /** This task's place in that list. */
  task: number;
}

interface Worker {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

export class WorkerPool {
  readonly size: number;
  readonly name: string;
  #workers: Worker[] = [];
  #spawned = 0;
  #nextId = 0;
  #running = false;

  constructor(options: { size: number; name?: string }) {
    if (!Number.isInteger(options?.size) || options.size < 1)
      throw new RangeError(`WorkerPool size must be a positive integer, got ${options?.size}`);
    this.size = options.size;
    this.name = options.name ?? "Pool";
  }

  /** Spawns all workers; resolves when every one is ready for tasks. If one cannot start, ends the others and rejects. */
  async start(): Promise<void> {
    if (this.#workers.length > 0) throw new Error(`pool ${this.name} has already started`);
    if (childConfig()?.daemon) throw new Error("daemonic processes are not allowed to have children (a pool's workers are processes)");
    const spawned = await Promise.allSettled(Array.from({ length: this.size }, () => this.#spawnWorker()));
    const started = spawned.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failure = spawned.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) {
      // A half-started pool is never handed out: the workers that did start would outlive the error.
      await endWorkers(started);
      throw failure.reason;
    }
    this.#workers = started;
  }

  async #spawnWorker(): Promise<Worker> {
    this.#spawned += 1;
    const self = childConfig();
    const child = spawnChild({
      name: `${this.name}-worker-${this.#spawned}`,
      daemon: true,
      echo: false,
      identity: [],
      ancestry: self ? [...self.ancestry, process.pid] : [],
      collector: self?.collector ?? collectorPath(),
      mode: "worker",
    });
    // A send to a worker that has just died fails with an "error" event (ERR_IPC_CHANNEL_CLOSED, EPIPE);
    // unheard, it would crash the process. Its exit is what the pool acts on.
    child.on("error", () => undefined);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve()); // { type: "ready" }
      child.once("error", (error) => reject(new Error(`pool ${this.name}: a worker could not start: ${error.message}`)));
      child.once("exit", (code, signal) =>
        reject(new Error(`pool ${this.name}: a worker exited while starting (code ${code}, signal ${signal})`)),
      );
    });
    child.unref();
    child.channel?.unref();
    return { child, pid: child.pid as number, exited };
  }

  /** Runs task i on worker i (or on the worker `options.workers[i]` names), concurrently; resolves with one result per task, in order. */
  async run(tasks: Task[], options: RunOptions = {}): Promise<TaskResult[]> {
    if (this.#workers.length === 0) throw new Error(`pool ${this.name} is not started (call start() first) or is closed`);
    if (this.#running) throw new Error(`pool ${this.name} is already running tasks; await the previous run()`);
    if (tasks.length > this.size) throw new RangeError(`pool ${this.name} has ${this.size} workers, got ${tasks.length} tasks`);
    const slotOf = workerIndexes(this, tasks.length, options.workers);
    const requests = tasks.map((task, i): TaskRequest => ({
      type: "task",
      id: ++this.#nextId,
      name: task.name ?? `task-${i + 1}`,
      target: toWireTarget(task.target),
      args: encodeArgs(task.args ?? []),
      barrier: options.barrier ?? false,
      services: Object.keys(options.services ?? {}),
    }));
    this.#running = true;
    try {
      // A worker that died since the last run (killed while idle) is replaced before it is given a task.
      const slots = this.#workers;
      await Promise.all(slotOf.map((slot) => (isGone(slots[slot]) ? this.#replace(slots, slot) : undefined)));
      if (this.#workers !== slots) throw new Error(`pool ${this.name} was closed while run() was starting`);
      for (const slot of slotOf) ref(slots[slot]);
      const gates = requests.map(() => deferred<boolean>());
      const allPrepared = Promise.all(gates.map((gate) => gate.promise));
      const results = await Promise.all(
        requests.map((request, i) =>
          this.#runOn(slots, slotOf[i], request, options, request.barrier ? { gate: gates[i], allPrepared, task: i } : null),
        ),
      );
      if (options.echo) echoResults(results);
      return results;
    } finally {
      for (const worker of this.#workers) unref(worker);
      this.#running = false;
    }
  }

  /** One task on one worker. Under a barrier, `go` is sent once every participant has prepared (or dropped out). */
  #runOn(slots: Worker[], index: number, request: TaskRequest, options: RunOptions, barrier: Barrier | null): Promise<TaskResult> {
    const { timeoutMs, services } = options;
    const worker = slots[index];
    const base = { name: request.name, pid: worker.pid };
    return new Promise<TaskResult>((resolve) => {
      const events: ProcEvent[] = [];
      const timer = timeoutMs === undefined ? undefined : setTimeout(onTimeout, timeoutMs); // covers preparing too: a hang guard
      function detach(): void {
        clearTimeout(timer);
        barrier?.gate.resolve(false);
        worker.child.off("message", onMessage);
        worker.child.off("exit", onExit);
      }
      const replaceThen = (error: string, replaced: string): void => {
        this.#replace(slots, index).then(
          (done) => resolve({ ...base, ok: false, error: `${error}${done ? replaced : "; the pool was closed"}`, events }),
          // The slot keeps the dead worker; the next run tries again.
          (failure: Error) => resolve({ ...base, ok: false, error: `${error}; replacing it failed: ${failure.message}`, events }),
        );
      };
      function onTimeout(): void {
        detach();
        worker.child.kill("SIGKILL");
        replaceThen(`task ${request.name} timed out after ${timeoutMs} ms; its worker (pid ${worker.pid}) was killed`, " and replaced");
      }
      function onExit(code: number | null, signal: NodeJS.Signals | null): void {
        detach();
        replaceThen(
          `the worker (pid ${worker.pid}) of task ${request.name} exited during the task (code ${code}, signal ${signal})`,
          "; it was replaced",
        );
      }
      function onMessage(reply: PoolReply | Question): void {
        if (reply.id !== request.id) return;
        if (reply.type === "ask") {
          answer(worker, reply, services && Object.hasOwn(services, reply.service) ? services[reply.service] : undefined, base);
          return;
        }
        if (reply.type === "prepared") {
          barrier?.gate.resolve(true);
          return;
        }
        if (reply.type === "event") {
          events.push(reply.event);
          deliver(reply.event); // live, to this process's listeners (and on to the root), once
          return;
        }
        detach();
        resolve({ ...base, ok: reply.ok, value: reply.value, error: reply.error, events });
      }
      worker.child.on("message", onMessage);
      worker.child.once("exit", onExit);
      // Died since run() checked it: its "exit" has passed, report it now.
      if (hasExited(worker)) return onExit(worker.child.exitCode, worker.child.signalCode);
      // If it dies from now on, the send fails quietly and its exit (onExit) reports the task.
      send(worker, request);
      void barrier?.allPrepared.then((ready) => {
        if (ready[barrier.task]) send(worker, { type: "go", id: request.id });
      });
    });
  }

  /** Replaces worker `index` of `workers` (this pool's workers when the run began); false if the pool was closed meanwhile. */
  async #replace(workers: Worker[], index: number): Promise<boolean> {
    const old = workers[index];
    if (!hasExited(old)) old.child.kill("SIGKILL"); // its channel closed: it cannot take tasks
    await old.exited;
    if (this.#workers !== workers) return false;
    const fresh = await this.#spawnWorker();
    if (this.#workers !== workers) {
      fresh.child.kill("SIGTERM");
      return false;
    }
    workers[index] = fresh;
    if (this.#running) ref(fresh);
    return true;
  }

  /** Ends every worker; resolves when none is left. */
  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await endWorkers(workers);
  }
}

/** Ends these workers (SIGTERM); resolves when none is left. */
async function endWorkers(workers: Worker[]): Promise<void> {
  for (const worker of workers) {
    ref(worker); // keep the caller alive until they are gone
    worker.child.kill("SIGTERM");
  }
  await Promise.all(workers.map((worker) => worker.exited));
}

/** The worker index of each task: `chosen` checked (distinct integers below the pool's size), else 0, 1, 2… */
function workerIndexes(pool: WorkerPool, tasks: number, chosen: number[] | undefined): number[] {
  if (chosen === undefined) return Array.from({ length: tasks }, (_, i) => i);
  const valid = chosen.every((i) => Number.isInteger(i) && i >= 0 && i < pool.size) && new Set(chosen).size === chosen.length;
  if (!valid || chosen.length !== tasks)
    throw new RangeError(
      `pool ${pool.name}: workers must name ${tasks} distinct worker(s) among 0…${pool.size - 1}, one per task; got ${JSON.stringify(chosen)}`,
    );
  return chosen;
}

function hasExited(worker: Worker): boolean {
  return worker.child.exitCode !== null || worker.child.signalCode !== null;
}

/** Dead, or its IPC channel is closed (it is dying): it cannot take a task. */
function isGone(worker: Worker): boolean {
  return hasExited(worker) || !worker.child.connected;
}

/** Sends without throwing: a worker that died meanwhile is reported by its exit. */
function send(worker: Worker, message: PoolRequest): void {
  if (worker.child.connected) worker.child.send(message, () => undefined);
}

/** Runs the service's handler for a task's question and sends back its value or error. */
function answer(worker: Worker, question: Question, handler: ServiceHandler | undefined, task: { name: string; pid: number }): void {
  const reply = (ok: boolean, value?: unknown, error?: string): void =>
    send(worker, { type: "answer", seq: question.seq, ok, value, error });
  if (!handler) return reply(false, undefined, `no service named ${JSON.stringify(question.service)} in this run`);
  let value: unknown;
  try {
    value = handler(question.body, task); // now, in the order questions came: a release before the task's result
  } catch (error) {
    return reply(false, undefined, error instanceof Error ? error.message : String(error));
  }
  Promise.resolve(value).then(
    (value) => reply(true, value),
    (error: unknown) => reply(false, undefined, error instanceof Error ? error.message : String(error)),
  );
}

function ref(worker: Worker): void {
  worker.child.ref();
  worker.child.channel?.ref();
}

function unref(worker: Worker): void {
  worker.child.unref();
  worker.child.channel?.unref();
}

function echoResults(results: TaskResult[]): void {
  for (const result of results) for (const event of result.events) if (event.type === "print") echoEvent(event);
  flushEcho();
}
