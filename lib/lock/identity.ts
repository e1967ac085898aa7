/**
 * Who a process is, in a form that survives pid reuse: its pid plus its start
 * time (field 22 of /proc/<pid>/stat, in clock ticks since boot). A pid alone is
 * not enough: after a holder dies its pid can be given to an unrelated process.
 */
import * as fs from "node:fs";

export interface ProcessIdentity {
  pid: number;
  /** Start time from /proc, or 0 where /proc does not exist. */
  start: number;
}

/** Start time and state of a live pid, or null when /proc has no entry for it. */
function readStat(pid: number): { start: number; state: string } | null {
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

const hasProc = fs.existsSync("/proc/self/stat");
let self: ProcessIdentity | null = null;

/** This process's identity (computed once). */
export function selfIdentity(): ProcessIdentity {
  if (!self) self = { pid: process.pid, start: (hasProc && readStat(process.pid)?.start) || 0 };
  return self;
}

/** True while the process `who` runs: not gone, not a zombie, and its pid not reused. */
export function isAlive(who: ProcessIdentity): boolean {
  try {
    process.kill(who.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!hasProc) return true;
  const stat = readStat(who.pid);
  if (!stat) return false;
  // A SIGKILLed child stays a zombie until its parent reaps it; it will never release anything.
  if (stat.state === "Z" || stat.state === "X") return false;
  return who.start === 0 || stat.start === who.start;
}
