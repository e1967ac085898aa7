/**
 * Is a process still running? One answer for the whole library.
 *
 * - A pid that exists but belongs to another user (`kill(pid, 0)` fails with EPERM) runs.
 * - A zombie (ended, waiting to be reaped by its parent) does not: it will never act again.
 * - A pid can be reused after its process ends; `ProcessIdentity` (pid + start time) tells an
 *   unrelated newcomer from the process we mean.
 * Where /proc does not exist (macOS) or is hidden (`PROCLAB_PORTABLE=1`, core/platform.ts), zombies
 * and reuse cannot be seen: a pid that exists runs.
 */
import * as fs from "node:fs";
import { hasProc } from "./platform";

/** A process, in a form that survives pid reuse. */
export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or 0 where unknown. */
  start: number;
}

/** State letter and start time of `pid` from /proc, or null when it has no entry (or there is no /proc). */
function procStat(pid: number): { state: string; start: number } | null {
  if (!hasProc) return null;
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  // The command name (field 2) is parenthesised and may contain spaces: split after its last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], start: Number(fields[19]) };
}

/** Whether `pid` exists (a process or a thread, zombies included): `kill(pid, 0)`, EPERM counting as yes. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `pid` runs: it exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  return runningStat(pid) !== false;
}

/** false when `pid` does not run; else its /proc stat (null where /proc cannot tell more). */
function runningStat(pid: number): { state: string; start: number } | null | false {
  if (!Number.isInteger(pid) || pid <= 0 || !pidExists(pid)) return false;
  // Fallback without /proc: kill(pid, 0) alone — a zombie counts as running, and a reused pid
  // as the process we meant (its identity's start is 0, so isAlive cannot compare).
  if (!hasProc) return null;
  const stat = procStat(pid);
  return stat === null || stat.state === "Z" || stat.state === "X" ? false : stat;
}

let self: ProcessIdentity | null = null;

/** This process's identity (computed once). */
export function selfIdentity(): ProcessIdentity {
  const start = procStat(process.pid)?.start;
  if (!self) self = { pid: process.pid, start: start !== undefined && Number.isFinite(start) ? start : 0 };
  return self;
}

/** Whether the process `who` still runs: running, and its pid not given to another process since. */
export function isAlive(who: ProcessIdentity): boolean {
  const stat = runningStat(who.pid);
  if (stat === false) return false;
  return stat === null || who.start === 0 || stat.start === who.start;
}
