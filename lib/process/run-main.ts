/**
 * runMain: runs a target as the main program of a fresh process, so a notebook
 * can watch what happens when a main ends (daemon children die, others are
 * waited for or orphaned), and returns the transcript of the whole tree.
 */
import { now } from "../core/clock";
import { isEvent, onEvent, type ProcEvent } from "../core/events";
import { childConfig } from "./config";
import { descendantsOf, whenAllGone } from "./collector";
import { flushEcho } from "./echo";
import { asMainProgram, joinWait, Process } from "./process";
import type { Target } from "./target";

export interface RunMainOptions {
  args?: unknown[];
  /** Default `main`. Its children are named Process-1, Process-2…, as under a Python main. */
  name?: string;
  /** Print the tree's output in the running cell. Default true. */
  echo?: boolean;
  /** Signal the main: after `afterMs`, or at the first event of the tree for which `when` is true. */
  kill?: { signal?: NodeJS.Signals; afterMs?: number; when?: (event: ProcEvent) => boolean };
  /** Guard: processes of the tree still running after this are killed (SIGKILL). Default 60000. */
  timeoutMs?: number;
}

export interface Lifetime {
  name: string;
  pid: number;
  /** Parent pid at start. */
  ppid: number | null;
  daemon: boolean;
  /** `now()` clock; start = its code began running. */
  start: number | null;
  end: number | null;
  /** Python convention; null when nobody could see it (an orphan's parent was gone). */
  exitCode: number | null;
  signal: string | null;
  /** Parent pids over time; more than one means it was orphaned and adopted. */
  ppids: number[];
}

export interface PrintLine {
  t: number;
  pid: number;
  name: string;
  stream: "stdout" | "stderr";
  text: string;
}

export interface Transcript {
  name: string;
  pid: number;
  exitCode: number | null;
  /** Every print of the tree, in time order. */
  lines: PrintLine[];
  /** Every event of the tree, in time order. */
  events: ProcEvent[];
  /** The main's and every descendant's. */
  lifetimes: Lifetime[];
  /** Pids the timeout guard had to kill (empty when the tree ended by itself). */
  killedAtTimeout: number[];
  /** When `options.kill` signalled the main (`now()` clock), or null when it did not. */
  killedAt: number | null;
}

export async function runMain(target: Target, options: RunMainOptions = {}): Promise<Transcript> {
  if (childConfig())
    throw new Error(
      "runMain must be called from the root process (a notebook, a test, a script), not inside a proclab process; use Process there",
    );
  joinWait(options.timeoutMs, "runMain(target, { timeoutMs })"); // checked before the main starts, not by its join
  const main = new Process({ target, args: options.args, name: options.name ?? "main", echo: options.echo ?? true });
  asMainProgram(main);
  const events: ProcEvent[] = [];
  let killTimer: NodeJS.Timeout | undefined;
  let killedAt: number | null = null;
  const killMain = (): void => {
    clearTimeout(killTimer);
    if (killedAt !== null || !main.isAlive()) return;
    killedAt = now();
    process.kill(main.pid as number, options.kill?.signal ?? "SIGKILL");
  };
  const stop = onEvent((event) => {
    events.push(event);
    if (options.kill?.when && inTree(event.pid) && options.kill.when(event)) killMain();
  });
  const inTree = (pid: number): boolean => pid === main.pid || descendantsOf(main.pid as number).includes(pid);
  main.start();
  const pid = main.pid as number;
  if (options.kill?.afterMs !== undefined) killTimer = setTimeout(killMain, options.kill.afterMs);
  const timeoutMs = options.timeoutMs ?? 60000;
  const deadline = now() + timeoutMs; // one budget for the main and its descendants
  await main.join(timeoutMs);
  clearTimeout(killTimer);
  const tree = (): number[] => [pid, ...descendantsOf(pid)];
  const allGone = await whenAllGone(tree, Math.max(0, deadline - now()));
  const killedAtTimeout = allGone ? [] : killTree(tree());
  if (killedAtTimeout.length > 0) await whenAllGone(tree, 2000);
  stop();
  flushEcho();
  const mine = events.filter((event) => inTree(event.pid)).sort((a, b) => a.t - b.t);
  return {
    name: main.name,
    pid,
    exitCode: main.exitCode,
    lines: mine.filter(isEvent("print")).map((e) => ({ t: e.t, pid: e.pid, name: e.name, stream: e.data.stream, text: e.data.text })),
    events: mine,
    lifetimes: tree().map((member) => lifetimeOf(member, mine)),
    killedAtTimeout,
    killedAt,
  };
}

function killTree(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, "SIGKILL");
      return true;
    } catch {
      return false;
    }
  });
}

/** One process's lifetime, from its own events and those its parent and the collector recorded about it. */
function lifetimeOf(pid: number, events: ProcEvent[]): Lifetime {
  const own = events.filter((e) => e.pid === pid);
  const spawn = events.filter(isEvent("spawn")).find((e) => e.data.child === pid);
  const start = own.find(isEvent("start"));
  const exit = own.find(isEvent("exit"));
  const end = own.find(isEvent("end"));
  const ppid = start?.data.ppid ?? spawn?.pid ?? null;
  return {
    name: start?.name ?? spawn?.data.childName ?? own[0]?.name ?? String(pid),
    pid,
    ppid,
    daemon: start?.data.daemon ?? spawn?.data.daemon ?? false,
    start: start?.t ?? spawn?.t ?? null,
    end: exit?.t ?? end?.t ?? null,
    exitCode: exit?.data.exitCode ?? null,
    signal: exit?.data.signal ?? null,
    ppids: [...(ppid === null ? [] : [ppid]), ...own.filter(isEvent("ppid")).map((e) => e.data.to)],
  };
}
