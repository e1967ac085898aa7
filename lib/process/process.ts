/**
 * `Process`: Python's multiprocessing.Process for Node. The child is a fresh
 * Node process (like the spawn start method) running the target; its output
 * and lifetime are reported to the root (see collector.ts).
 */
import type { ChildProcess } from "node:child_process";
import { now } from "../core/clock";
import { deliver, emit, onEvent, type ProcEvent } from "../core/events";
import { encodeArgs } from "./args";
import { childConfig, nextChildIdentity } from "./config";
import { collectorPath, whenAllGone } from "./collector";
import { flushEcho } from "./echo";
import { pythonExitCode } from "./exit-status";
import { spawnChild } from "./spawn";
import { toWireTarget, type Target, type WireTarget } from "./target";

export type { Target } from "./target";

export interface ProcessOptions {
  target: Target;
  /** Copied to the child (structured-clone data; a Lock arrives usable). */
  args?: unknown[];
  /** Default `Process-N` (`Process-1:N` for children of Process-1), like Python. */
  name?: string;
  /** A daemon child ends when its parent ends, however the parent ends. Default false. */
  daemon?: boolean;
  /** Print its output (and its children's) in the root, prefixed by name. Default: the parent's setting, true in the root. */
  echo?: boolean;
}

/** Parent → child: what to run. */
export interface RunMessage {
  type: "run";
  target: WireTarget;
  args: unknown[];
}

/** Child → parent. */
export type ChildMessage = { type: "ready" } | { type: "error"; message: string };

/** Processes started here and still running: a main ending cleans them up like Python's atexit. */
const liveChildren = new Set<Process>();

/** Children started by runMain get a fresh identity, so theirs are named Process-1, Process-2… */
const freshIdentity = new WeakSet<Process>();
export function asMainProgram(process: Process): void {
  freshIdentity.add(process);
}

let exitHookInstalled = false;

/** Python's atexit: when this process exits, its daemon children are terminated (setpriv's pdeathsig also covers SIGKILL). */
function terminateDaemonsAtExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveChildren) if (child.daemon) child.terminate();
  });
}

/** Python's end of a main program: terminate daemon children, then wait for the others. */
export async function endChildren(): Promise<void> {
  for (const child of liveChildren) if (child.daemon) child.terminate();
  await Promise.all([...liveChildren].map((child) => child.join()));
}

export class Process {
  readonly target: Target;
  readonly args: readonly unknown[];
  name: string;
  readonly echo: boolean;
  /** The target's uncaught error as printed (with the fresh-process explanation for ReferenceErrors), or null. */
  error: string | null = null;
  #identity: number[];
  #daemon: boolean;
  #child: ChildProcess | null = null;
  #ready = false;
  #exitCode: number | null = null;
  #exited: Promise<void> | null = null;
  #events: ProcEvent[] = [];

  constructor(options: ProcessOptions) {
    if (typeof options !== "object" || options === null)
      throw new TypeError("new Process(options): expected { target, args?, name?, daemon?, echo? }");
    this.target = options.target;
    this.args = options.args ?? [];
    this.#identity = nextChildIdentity();
    this.name = options.name ?? `Process-${this.#identity.join(":")}`;
    this.#daemon = options.daemon ?? false;
    this.echo = options.echo ?? childConfig()?.echo ?? true;
  }

  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    if (this.#child) throw new Error(`process has already started: set daemon of ${this.name} before start()`);
    this.#daemon = value;
  }

  /** OS process id; null before start. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** null before start and while running; the exit number; 1 after an uncaught error; -N when killed by signal N. */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** This process's events (start, print, exit, lock events…); complete in the root process. */
  get events(): readonly ProcEvent[] {
    return this.#events;
  }

  start(): void {
    if (this.#child) throw new Error(`process has already started: cannot start ${this.name} twice`);
    const self = childConfig();
    if (self?.daemon)
      throw new Error(`daemonic processes are not allowed to have children (${self.name} is a daemon and tried to start ${this.name})`);
    const message: RunMessage = { type: "run", target: toWireTarget(this.target), args: encodeArgs(this.args) };
    const identity = freshIdentity.has(this) ? [] : this.#identity;
    const ancestry = self ? [...self.ancestry, process.pid] : [];
    const child = spawnChild({
      name: this.name,
      daemon: this.#daemon,
      echo: this.echo,
      identity,
      ancestry,
      collector: self?.collector ?? collectorPath(),
      mode: "process",
    });
    if (child.pid === undefined) {
      child.once("error", () => undefined); // the asynchronous "error" that follows would otherwise crash the process
      throw new Error(`could not start ${this.name}: spawn of ${process.execPath} failed`);
    }
    const pid = child.pid;
    this.#child = child;
    const stopCollecting = onEvent((event) => {
      if (event.pid === pid) this.#events.push(event);
    });
    emit("spawn", { child: pid, childName: this.name, daemon: this.#daemon, echo: this.echo, ancestry });
    child.on("message", (reply: ChildMessage) => {
      if (reply.type === "ready") this.#ready = true;
      else this.error = reply.message;
    });
    this.#exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.#exitCode = pythonExitCode(code, signal);
        liveChildren.delete(this);
        deliver({ t: now(), pid, name: this.name, type: "exit", data: { code, signal, exitCode: this.#exitCode, ready: this.#ready } });
        const finish = (): void => {
          stopCollecting();
          resolve();
        };
        // In the root, wait for the connection to close too, so every print has arrived.
        if (self) finish();
        else void whenAllGone(() => [pid], 2000).then(finish);
      });
    });
    child.send(message);
    liveChildren.add(this);
    terminateDaemonsAtExit();
    if (this.#daemon) this.#unref(); // like Python, a daemon child never keeps its main alive
  }

  /** Waits until the process ends (and, in the root, until all its output is in), or `timeoutMs` passes. */
  async join(timeoutMs?: number): Promise<void> {
    if (!this.#exited) throw new Error(`can only join a started process (${this.name} was not started)`);
    if (this.#daemon) this.#ref();
    let timer: NodeJS.Timeout | undefined;
    const timeout = timeoutMs === undefined ? null : new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, timeoutMs))));
    await (timeout ? Promise.race([this.#exited, timeout]) : this.#exited);
    clearTimeout(timer);
    if (this.#daemon && this.#exitCode === null) this.#unref();
    if (!childConfig()) flushEcho();
  }

  isAlive(): boolean {
    return this.#child !== null && this.#exitCode === null;
  }

  /** SIGTERM; exitCode becomes -15. */
  terminate(): void {
    this.#signal("SIGTERM");
  }

  /** SIGKILL; exitCode becomes -9. */
  kill(): void {
    this.#signal("SIGKILL");
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.isAlive()) this.#child?.kill(signal);
  }

  #ref(): void {
    this.#child?.ref();
    this.#child?.channel?.ref();
  }

  #unref(): void {
    this.#child?.unref();
    this.#child?.channel?.unref();
  }
}
