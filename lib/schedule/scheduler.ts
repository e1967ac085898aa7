/**
 * The scheduler, in the parent: a Unix socket server that stepped processes
 * connect to. A run lets exactly one process take one step, waits until every
 * process is again parked at a step, finished, or waiting for a lock whose
 * holder is parked, and only then lets the next one move. The interleaving is
 * therefore the schedule's, whatever the machine's timing.
 *
 * Asked for a process that cannot move (finished, or waiting for a lock), the
 * run records the problem and runs the rest serially, so it never hangs.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { Random } from "../core/random";
import type { ScheduleEntry } from "./parse";
import { readJsonLines, writeJsonLine } from "../core/lines";
import type { ProcessMessage, SchedulerMessage, StepLink } from "./protocol";

/** One step that a run let a process take. */
export interface StepGrant {
  process: string;
  step: string;
}

export interface ScheduleRun {
  /** Every step taken, in order: the asked schedule, then the serial rest. Replays to the same outcome. */
  granted: StepGrant[];
  /** Why the run stopped following the schedule, e.g. "step 4 (B): B is waiting for the lock held by A"; null if it did not. */
  problem: string | null;
}

/** How a run picks the next process: a schedule (then the rest in letter order), or at random. */
export type SchedulePlan = { entries: readonly ScheduleEntry[] } | { random: Random };

interface Proc {
  letter: string;
  state: "starting" | "parked" | "running" | "finished";
  /** The step it is parked at. */
  next: string | null;
  /** The lock it asked for and does not hold yet. */
  waiting: string | null;
  socket: net.Socket | null;
}

/** One run in progress. */
export interface ActiveRun {
  /** Pass link i to process i (e.g. in its task's args). */
  links: StepLink[];
  /** Resolves once every process has finished (or on a deadlock). */
  done: Promise<ScheduleRun>;
  /** The processes' tasks are over: those that never connected count as finished. */
  tasksEnded(): void;
}

export class StepScheduler {
  readonly socketPath: string;
  #server: net.Server;
  #run: Run | null = null;
  #runs = 0;

  private constructor(server: net.Server, socketPath: string) {
    this.#server = server;
    this.socketPath = socketPath;
  }

  /** Starts listening (on a fresh socket under the system's temporary directory). */
  static async open(): Promise<StepScheduler> {
    const socketPath = path.join(os.tmpdir(), `proclab-steps-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
    const server = net.createServer();
    const scheduler = new StepScheduler(server, socketPath);
    server.on("connection", (socket) => scheduler.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, resolve);
    });
    server.unref();
    return scheduler;
  }

  /** Starts a run of `letters.length` processes following `plan`. */
  begin(letters: readonly string[], plan: SchedulePlan): ActiveRun {
    if (this.#run && !this.#run.over) throw new Error("StepScheduler: a run is still in progress; await its done first");
    const id = ++this.#runs;
    const run = new Run(letters, plan);
    this.#run = run;
    return {
      links: letters.map((letter) => ({ socket: this.socketPath, process: letter, run: id })),
      done: run.done,
      tasksEnded: () => run.tasksEnded(),
    };
  }

  #accept(socket: net.Socket): void {
    socket.unref();
    socket.on("error", () => socket.destroy());
    let proc: Proc | null = null;
    readJsonLines<ProcessMessage>(socket, (message) => {
      const run = this.#run;
      if (message.type === "hello") {
        proc = run && message.run === this.#runs ? run.connect(message.process, socket) : null;
        if (!proc) socket.destroy(); // a process of an earlier run
        return;
      }
      if (proc && run) run.receive(proc, message);
    });
    socket.on("close", () => {
      if (proc && this.#run) this.#run.finish(proc);
    });
  }

  /** Stops listening. */
  close(): Promise<void> {
    return new Promise((resolve) =>
      this.#server.close(() => {
        fs.rmSync(this.socketPath, { force: true });
        resolve();
      }),
    );
  }
}

class Run {
  readonly done: Promise<ScheduleRun>;
  over = false;
  #resolve!: (run: ScheduleRun) => void;
  #procs: Proc[];
  #holders = new Map<string, Proc>();
  #granted: StepGrant[] = [];
  #cursor = 0;
  #problem: string | null = null;

  constructor(
    letters: readonly string[],
    readonly plan: SchedulePlan,
  ) {
    this.#procs = letters.map((letter) => ({ letter, state: "starting", next: null, waiting: null, socket: null }));
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  connect(letter: string, socket: net.Socket): Proc | null {
    const proc = this.#procs.find((p) => p.letter === letter && p.state === "starting" && !p.socket);
    if (proc) proc.socket = socket;
    return proc ?? null;
  }

  receive(proc: Proc, message: ProcessMessage): void {
    if (message.type === "at") {
      proc.state = "parked";
      proc.next = message.step;
    } else if (message.type === "lock") {
      if (message.what === "requested") proc.waiting = message.lock;
      else if (message.what === "acquired") {
        proc.waiting = null;
        this.#holders.set(message.lock, proc);
      } else if (this.#holders.get(message.lock) === proc) {
        this.#holders.delete(message.lock); // (a hand-over may have been heard first from the new holder)
      }
    } else if (message.type === "end") {
      this.finish(proc);
      return;
    }
    this.#pump();
  }

  finish(proc: Proc): void {
    if (proc.state === "finished") return;
    proc.state = "finished";
    proc.next = null;
    proc.waiting = null;
    this.#pump();
  }

  tasksEnded(): void {
    for (const proc of this.#procs) if (proc.state === "starting" && !proc.socket) proc.state = "finished";
    // A task's result (over the pool's channel) can arrive before its "end" here: until that is
    // heard, the sockets must keep the event loop alive, or a caller awaiting `done` is dropped.
    if (!this.over) for (const proc of this.#procs) proc.socket?.ref();
    this.#pump();
  }

  /** The lock `proc` waits for is held by a process that is not moving: it cannot move either. */
  #blockedBy(proc: Proc): Proc | null {
    if (proc.state !== "running" || proc.waiting === null) return null;
    const holder = this.#holders.get(proc.waiting);
    return holder && holder !== proc ? holder : null;
  }

  /** Nobody is moving: every process is parked, finished, or blocked. */
  #settled(): boolean {
    return this.#procs.every((p) => p.state === "parked" || p.state === "finished" || this.#blockedBy(p) !== null);
  }

  #pump(): void {
    if (this.over || !this.#settled()) return;
    const live = this.#procs.filter((p) => p.state !== "finished");
    const parked = live.filter((p) => p.state === "parked");
    if (parked.length === 0) {
      if (live.length > 0) {
        const waits = live.map((p) => `${p.letter} waits for the lock held by ${this.#blockedBy(p)?.letter}`).join(", ");
        this.#problem ??= `deadlock: ${waits}`;
      }
      this.over = true;
      for (const proc of this.#procs) proc.socket?.unref();
      this.#resolve({ granted: this.#granted, problem: this.#problem });
      return;
    }
    this.#grant(this.#choose(parked));
  }

  #choose(parked: Proc[]): Proc {
    if (this.#problem === null && "random" in this.plan) return parked[Math.floor(this.plan.random() * parked.length)];
    if (this.#problem === null && "entries" in this.plan && this.#cursor < this.plan.entries.length) {
      const entry = this.plan.entries[this.#cursor++];
      const proc = this.#procs.find((p) => p.letter === entry.process);
      const refusal = proc ? this.#refusal(proc, entry) : `there is no process ${entry.process}`;
      if (!refusal) return proc as Proc;
      this.#problem = `step ${this.#cursor} of the schedule (${entry.process}): ${refusal}; the rest ran serially`;
    }
    return parked[0]; // the rest: one process at a time, in letter order
  }

  #refusal(proc: Proc, entry: ScheduleEntry): string | null {
    if (proc.state === "finished") return `${proc.letter} has finished`;
    const holder = this.#blockedBy(proc);
    if (holder) return `${proc.letter} is waiting for the lock held by ${holder.letter}`;
    if (entry.step !== undefined && entry.step !== proc.next) return `${proc.letter}'s next step is ${proc.next}, not ${entry.step}`;
    return null;
  }

  #grant(proc: Proc): void {
    this.#granted.push({ process: proc.letter, step: proc.next as string });
    proc.state = "running";
    proc.next = null;
    if (proc.socket) writeJsonLine(proc.socket, { type: "go" } satisfies SchedulerMessage);
  }
}
