/**
 * WorkerPool: warm worker processes for experiments with many short trials
 * (a Node process takes ~65 ms to start; a task on a warm worker a few ms).
 * Task i of a run goes to worker i, so a trial's participants are distinct
 * processes running concurrently. Workers are daemons: they die with the root.
 */
import type { ChildProcess } from "node:child_process";
import { deliver, type ProcEvent } from "../core/events";
import { encodeArgs } from "./args";
import { childConfig } from "./config";
import { collectorPath } from "./collector";
import { echoEvent, flushEcho } from "./echo";
import { spawnChild } from "./spawn";
import { toWireTarget, type Target } from "./target";
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
}

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
  allPrepared: Promise<boolean[]>;
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

  /** Spawns all workers; resolves when every one is ready for tasks. */
  async start(): Promise<void> {
    if (this.#workers.length > 0) throw new Error(`pool ${this.name} has already started`);
    if (childConfig()?.daemon) throw new Error("daemonic processes are not allowed to have children (a pool's workers are processes)");
    this.#workers = await Promise.all(Array.from({ length: this.size }, () => this.#spawnWorker()));
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
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve()); // { type: "ready" }
      child.once("exit", (code, signal) =>
        reject(new Error(`pool ${this.name}: a worker exited while starting (code ${code}, signal ${signal})`)),
      );
    });
    child.unref();
    child.channel?.unref();
    return { child, pid: child.pid as number, exited };
  }

  /** Runs task i on worker i, concurrently; resolves with one result per task, in order. */
  async run(tasks: Task[], options: RunOptions = {}): Promise<TaskResult[]> {
    if (this.#workers.length === 0) throw new Error(`pool ${this.name} is not started (call start() first) or is closed`);
    if (this.#running) throw new Error(`pool ${this.name} is already running tasks; await the previous run()`);
    if (tasks.length > this.size) throw new RangeError(`pool ${this.name} has ${this.size} workers, got ${tasks.length} tasks`);
    const requests = tasks.map((task, i): TaskRequest => ({
      type: "task",
      id: ++this.#nextId,
      name: task.name ?? `task-${i + 1}`,
      target: toWireTarget(task.target),
      args: encodeArgs(task.args ?? []),
      barrier: options.barrier ?? false,
    }));
    this.#running = true;
    const workers = this.#workers.slice(0, tasks.length);
    for (const worker of workers) ref(worker);
    const gates = requests.map(() => deferred<boolean>());
    const allPrepared = Promise.all(gates.map((gate) => gate.promise));
    try {
      const results = await Promise.all(
        requests.map((request, i) =>
          this.#runOn(i, workers[i], request, options.timeoutMs, request.barrier ? { gate: gates[i], allPrepared } : null),
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
  #runOn(index: number, worker: Worker, request: TaskRequest, timeoutMs: number | undefined, barrier: Barrier | null): Promise<TaskResult> {
    const base = { name: request.name, pid: worker.pid };
    return new Promise<TaskResult>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(onTimeout, timeoutMs); // covers preparing too: a hang guard
      function detach(): void {
        clearTimeout(timer);
        barrier?.gate.resolve(false);
        worker.child.off("message", onMessage);
        worker.child.off("exit", onExit);
      }
      const replaceThen = (error: string): void => {
        void this.#replace(index).then(() => resolve({ ...base, ok: false, error, events: [] }));
      };
      function onTimeout(): void {
        detach();
        worker.child.kill("SIGKILL");
        replaceThen(`task ${request.name} timed out after ${timeoutMs} ms; its worker (pid ${worker.pid}) was killed and replaced`);
      }
      function onExit(code: number | null, signal: NodeJS.Signals | null): void {
        detach();
        replaceThen(
          `the worker (pid ${worker.pid}) of task ${request.name} exited during the task (code ${code}, signal ${signal}); it was replaced`,
        );
      }
      function onMessage(reply: PoolReply): void {
        if (reply.id !== request.id) return;
        if (reply.type === "prepared") {
          barrier?.gate.resolve(true);
          return;
        }
        detach();
        for (const event of reply.events) deliver(event); // the task's events reach this process's listeners (and the root) once
        resolve({ ...base, ok: reply.ok, value: reply.value, error: reply.error, events: reply.events });
      }
      worker.child.on("message", onMessage);
      worker.child.once("exit", onExit);
      worker.child.send(request);
      void barrier?.allPrepared.then((ready) => {
        if (ready[index] && worker.child.connected) worker.child.send({ type: "go", id: request.id } satisfies PoolRequest);
      });
    });
  }

  async #replace(index: number): Promise<void> {
    const old = this.#workers[index];
    await old.exited;
    this.#workers[index] = await this.#spawnWorker();
    if (this.#running) ref(this.#workers[index]);
  }

  /** Ends every worker; resolves when none is left. */
  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    for (const worker of workers) {
      ref(worker); // keep the caller alive until they are gone
      worker.child.kill("SIGTERM");
    }
    await Promise.all(workers.map((worker) => worker.exited));
  }
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
