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
import { describeValue } from "./describe";
import { flushEcho } from "./echo";
import { pythonExitCode } from "./exit-status";
import { spawnChild } from "./spawn";
import { targetProblem, toWireTarget, type Target, type WireTarget } from "./target";

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

/** Python's atexit: when this process exits, its daemon children are terminated (on Linux setpriv's pdeathsig also covers SIGKILL; elsewhere the child ends when its IPC channel closes). */
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

const optionNames = ["target", "args", "name", "daemon", "echo"];

/** Like Python's checks of Process arguments, but every wrong type is a TypeError naming the option, what it takes and what it got. */
function checkOptions(options: unknown): asserts options is ProcessOptions {
  const where = "new Process(options)";
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new TypeError(`${where}: expected { target, args?, name?, daemon?, echo? }, got ${describeValue(options)}`);
  const unknown = Object.keys(options).filter((key) => !optionNames.includes(key));
  if (unknown.length > 0) {
    const listed = unknown.map((key) => JSON.stringify(key)).join(", ");
    throw new TypeError(`${where}: unknown option${unknown.length > 1 ? "s" : ""} ${listed}; the options are ${optionNames.join(", ")}`);
  }
  const given = options as Record<string, unknown>;
  const problem = targetProblem(given.target);
  if (problem) throw new TypeError(`${where}: ${problem}`);
  // Left out, undefined or null (Python's None): the default applies.
  const isGiven = (option: string): boolean => given[option] !== undefined && given[option] !== null;
  if (isGiven("args") && !Array.isArray(given.args))
    throw new TypeError(`${where}: args must be an array, got ${describeValue(given.args)}`);
  if (isGiven("name")) checkName(given.name, where);
  if (isGiven("daemon")) checkBoolean("daemon", given.daemon, where);
  if (isGiven("echo")) checkBoolean("echo", given.echo, where);
}

function checkName(value: unknown, where: string): asserts value is string {
  if (typeof value !== "string") throw new TypeError(`${where}: name must be a string, got ${describeValue(value)}`);
}

function checkBoolean(option: string, value: unknown, where: string): asserts value is boolean {
  if (typeof value !== "boolean") throw new TypeError(`${where}: ${option} must be a boolean (true or false), got ${describeValue(value)}`);
}

/** The wait of a join's timeoutMs; null: until the end. Like Python, no timeout (undefined or null) waits until the end. */
export function joinWait(timeoutMs: unknown, where: string): number | null {
  if (timeoutMs === undefined || timeoutMs === null) return null;
  if (typeof timeoutMs !== "number")
    throw new TypeError(`${where}: timeoutMs must be a number of milliseconds, got ${describeValue(timeoutMs)}`);
  if (Number.isNaN(timeoutMs) || timeoutMs < 0)
    throw new RangeError(`${where}: timeoutMs must be 0 or more milliseconds (or left out to wait until the end), got ${timeoutMs}`);
  return timeoutMs > maxTimerMs ? null : timeoutMs; // Infinity and waits past a timer's limit (24.8 days): until the end
}

/** setTimeout's longest delay; longer ones fire at once. */
const maxTimerMs = 2 ** 31 - 1;

export class Process {
  readonly target: Target;
  readonly args: readonly unknown[];
  readonly echo: boolean;
  /** The target's uncaught error as printed (with the fresh-process explanation for ReferenceErrors), or null. */
  error: string | null = null;
  #identity: number[];
  #name: string;
  #daemon: boolean;
  #child: ChildProcess | null = null;
  #ready = false;
  #exitCode: number | null = null;
  #exited: Promise<void> | null = null;
  #events: ProcEvent[] = [];

  constructor(options: ProcessOptions) {
    checkOptions(options);
    this.target = options.target;
    this.args = options.args ?? [];
    this.#identity = nextChildIdentity();
    this.#name = options.name ?? `Process-${this.#identity.join(":")}`;
    this.#daemon = options.daemon ?? false;
    this.echo = options.echo ?? childConfig()?.echo ?? true;
  }

  /** Default `Process-N`; may be changed at any time, to a string (Python's name setter). */
  get name(): string {
    return this.#name;
  }

  set name(value: string) {
    checkName(value, `cannot set name of ${this.#name}`);
    this.#name = value;
  }

  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    if (this.#child) throw new Error(`process has already started: set daemon of ${this.name} before start()`);
    checkBoolean("daemon", value, `cannot set daemon of ${this.name}`);
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
    const wait = joinWait(timeoutMs, `${this.name}.join(timeoutMs)`);
    if (!this.#exited) throw new Error(`can only join a started process (${this.name} was not started)`);
    if (this.#daemon) this.#ref();
    let timer: NodeJS.Timeout | undefined;
    const timeout = wait === null ? null : new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
    await (timeout ? Promise.race([this.#exited, timeout]) : this.#exited);
    clearTimeout(timer);
    if (this.#daemon && this.#exitCode === null) this.#unref();
    if (!childConfig()) flushEcho();
  }

  isAlive(): boolean {
    return this.#child !== null && this.#exitCode === null;
  }

  /** SIGTERM; exitCode becomes -15. Throws before start; does nothing once the process has ended (like Python). */
  terminate(): void {
    this.#signal("SIGTERM", "terminate");
  }

  /** SIGKILL; exitCode becomes -9. Throws before start; does nothing once the process has ended (like Python). */
  kill(): void {
    this.#signal("SIGKILL", "kill");
  }

  #signal(signal: NodeJS.Signals, method: string): void {
    if (!this.#child) throw new Error(`cannot ${method} ${this.name}: it was not started (call start() first)`);
    if (this.isAlive()) this.#child.kill(signal);
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
