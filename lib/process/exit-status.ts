/** Python's exit code convention, and whether a pid is still running. */
import * as fs from "node:fs";
import * as os from "node:os";

/** The exit number, or minus the signal number (`-15` for SIGTERM), or null while unknown. */
export function pythonExitCode(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  if (signal !== null) return -(os.constants.signals[signal] ?? 0);
  return null;
}

/** Whether `pid` is still running; a zombie counts as ended (it only waits to be reaped). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return true;
  }
}
