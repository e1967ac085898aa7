/**
 * What the kernel says about the processes a student's main starts, seen from the process that
 * checks it. In the grader's sandbox the judge has a pid namespace of its own
 * (`PROCLAB_OWN_PID_NAMESPACE=1`, core/platform.ts), where pids are handed out in order: every
 * process or thread born after `PidWatch.start()` has a pid above the one a probe process got
 * then, and `kill(pid, 0)` says whether it still lives. A student's process can report anything
 * about itself over the library's channels; it cannot change these answers.
 *
 * Threads take pids too, and kill() cannot tell a thread from a process; pidfd_open(2) can (it
 * refuses a thread that leads no process). Node has no call for it, so a small Python helper,
 * started before the watch, answers "process", "thread" or "gone" for a pid.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import * as fs from "node:fs";
import { pidExists as alive } from "../core/pids";
import { ownPidNamespace } from "../core/platform";

/** Answers one line "<pid> process|thread|gone|unknown" per pid line (a thread that leads no process: EINVAL before Linux 6.9, ENOENT since; no such pid: ESRCH). */
const KIND_PROBE = `import os, sys
for line in sys.stdin:
    pid = int(line)
    try:
        os.close(os.pidfd_open(pid))
        kind = "process"
    except OSError as error:
        kind = {2: "thread", 22: "thread", 3: "gone"}.get(error.errno, "unknown")
    except AttributeError:
        kind = "unknown"
    print(pid, kind, flush=True)
`;

export type PidKind = "process" | "thread" | "gone" | "unknown";

/** How often the watch looks while a main runs. */
const POLL_MS = 25;
/** How far above the newest pid seen a new one is looked for while a main runs (the final look covers every pid). */
const HEADROOM = 256;
/** The final look tries every pid handed out since the start; more than this many is refused, not scanned. */
const MOST_PIDS = 200_000;

export class PidWatch {
  /** What pidfd_open said of each new pid, asked when it was first seen alive. */
  readonly kinds = new Map<number, Promise<PidKind>>();
  readonly #floor: number;
  #top: number;
  #timer: NodeJS.Timeout | null = null;
  readonly #helper: ChildProcessByStdio<Writable, Readable, null> | null;
  readonly #pending = new Map<number, (kind: PidKind) => void>();
  /** The number of the last look at which each pid was alive. */
  readonly #lastSeen = new Map<number, number>();
  #looks = 0;
  #helperGone = false;
  #stopped = false;

  private constructor(floor: number, helper: ChildProcessByStdio<Writable, Readable, null> | null) {
    this.#floor = floor;
    this.#top = floor;
    this.#helper = helper;
    let buffered = "";
    helper?.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const [pid, kind] = line.split(" ");
        this.#pending.get(Number(pid))?.(kind === "process" || kind === "thread" || kind === "gone" ? kind : "unknown");
        this.#pending.delete(Number(pid));
      }
    });
    helper?.on("close", () => {
      this.#helperGone = true;
      for (const answer of this.#pending.values()) answer("unknown");
      this.#pending.clear();
    });
  }

  /** Starts watching for new pids; null where the namespace is not the grader's own (a notebook, a test). */
  static async start(): Promise<PidWatch | null> {
    if (!ownPidNamespace) return null;
    // libuv starts its thread pool at the first file operation: start it now, so its threads are not "new".
    await fs.promises.stat("/");
    // Started before the probe, so its pid (and its threads') are below the floor.
    const helper = await startKindHelper();
    const probe = spawnSync("/usr/bin/true");
    if (typeof probe.pid !== "number" || probe.pid <= 0) {
      helper?.kill();
      return null;
    }
    const watch = new PidWatch(probe.pid, helper);
    watch.#timer = setInterval(() => watch.look(), POLL_MS);
    watch.#timer.unref();
    return watch;
  }

  /** The new pids alive now (and records them as seen). */
  look(): number[] {
    return this.#lookUpTo(this.#top + HEADROOM);
  }

  #lookUpTo(last: number): number[] {
    this.#looks += 1;
    const found: number[] = [];
    for (let pid = this.#floor + 1; pid <= last; pid++) {
      if (!alive(pid)) continue;
      found.push(pid);
      this.#record(pid);
      if (pid > this.#top) this.#top = pid;
    }
    return found;
  }

  /** Records `pid` as seen if it lives now, and asks whether it is a process (a main's report of a new process, checked as it arrives). */
  confirm(pid: number): void {
    if (pid > this.#floor && alive(pid)) this.#record(pid);
  }

  /** A new pid alive now: seen, and asked about once while it lives (a thread may be gone by the time a report names it). */
  #record(pid: number): void {
    this.#lastSeen.set(pid, this.#looks);
    if (!this.#stopped && !this.kinds.has(pid)) this.kinds.set(pid, this.#kindOf(pid));
  }

  #kindOf(pid: number): Promise<PidKind> {
    const helper = this.#helper;
    if (!helper || helper.exitCode !== null || !helper.stdin.writable) return Promise.resolve("unknown");
    return new Promise((resolve) => {
      this.#pending.set(pid, resolve);
      helper.stdin.write(`${pid}\n`);
    });
  }

  /** Whether this new pid (above the probe's) was ever seen alive. */
  saw(pid: number): boolean {
    return this.#lastSeen.has(pid);
  }

  /** Whether `pid` was alive at the last look at which `other` was: both are judged by the same looks, whatever the machine's load. */
  aliveAsLongAs(pid: number, other: number): boolean {
    const mine = this.#lastSeen.get(pid);
    const theirs = this.#lastSeen.get(other);
    return theirs === undefined || (mine !== undefined && mine >= theirs);
  }

  /**
   * Waits until no new pid is alive, up to `ms`, then tries every pid handed out since the start
   * (a probe process gets the newest): returns the ones still alive, or throws when that cannot
   * be known (pids wrapped around, or too many were used).
   */
  async settle(ms: number): Promise<number[]> {
    const deadline = Date.now() + ms;
    while (this.look().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const probe = spawnSync("/usr/bin/true").pid;
    if (typeof probe !== "number" || probe <= this.#floor || probe - this.#floor > MOST_PIDS)
      throw new Error(
        `the grader cannot check which processes outlived main: ${probe === undefined || probe <= this.#floor ? "process ids wrapped around" : `more than ${MOST_PIDS} processes and threads were started`}`,
      );
    return this.#lookUpTo(probe);
  }

  /** Why the process checker's answers cannot be trusted (it was started, and stopped or failed), or null. */
  async helperProblem(): Promise<string | null> {
    if (!this.#helper) return null;
    const kinds = await Promise.all(this.kinds.values());
    if (this.#helperGone && this.#pending.size > 0) return "the grader's process checker was stopped before it answered";
    if (kinds.includes("unknown")) return "the grader's process checker could not answer (it was stopped, or failed)";
    return null;
  }

  /** Stops looking; the helper ends once its answers are in. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#helper?.stdin.end();
  }
}

/** The pidfd_open helper, ready to answer; null where Python cannot be started. */
function startKindHelper(): Promise<ChildProcessByStdio<Writable, Readable, null> | null> {
  return new Promise((resolve) => {
    const helper = spawn("python3", ["-I", "-c", KIND_PROBE], { stdio: ["pipe", "pipe", "ignore"] });
    helper.once("error", () => resolve(null));
    helper.once("spawn", () => resolve(helper));
  });
}
