/** Python's exit code convention. */
import * as os from "node:os";

/** The exit number, or minus the signal number (`-15` for SIGTERM), or null while unknown. */
export function pythonExitCode(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  if (signal !== null) return -(os.constants.signals[signal] ?? 0);
  return null;
}
