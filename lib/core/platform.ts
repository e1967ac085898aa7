/**
 * Which Linux-only facilities the library may use. Each is an acceleration with a fallback
 * that works everywhere (macOS, or Linux with `PROCLAB_PORTABLE=1`):
 *
 * - `setpriv --pdeathsig` (process/spawn.ts): the kernel kills a daemon child when its parent
 *   dies. Fallback: the child ends itself when its IPC channel to the parent closes
 *   (process/child-entry.ts).
 * - `/proc/<pid>/stat` (core/pids.ts): zombies and pid reuse are seen. Fallback: `kill(pid, 0)`,
 *   so a pid that exists runs.
 * - `/proc/<pid>/comm` (process/link.ts): an orphan's adopter is named. Fallback: no name (null).
 *
 * `PROCLAB_PORTABLE=1` hides them on Linux, so the fallbacks are tested where CI runs
 * (`npm run test:portable`). This is the one place the switch is read.
 *
 * `PROCLAB_OWN_PID_NAMESPACE=1` says the process runs in a pid namespace of its own, made for
 * it (the grader's sandbox sets it for the judge): every pid there belongs to the grading run.
 */
import * as fs from "node:fs";

/** Whether PROCLAB_PORTABLE asks the library to use no Linux-only facility. */
export const portable = /^(1|true|yes)$/i.test(process.env.PROCLAB_PORTABLE ?? "");

/** Whether the Linux-only facilities (/proc, setpriv) may be used: on Linux, unless PROCLAB_PORTABLE is set. */
export const linuxExtras = process.platform === "linux" && !portable;

/** Whether /proc/<pid>/… can be read (Linux, not portable). */
export const hasProc = linuxExtras && fs.existsSync("/proc/self/stat");

/** Whether this process runs in a pid namespace made for it (the grader's sandbox): see homework/kernel-view.ts. */
export const ownPidNamespace = process.platform === "linux" && process.env.PROCLAB_OWN_PID_NAMESPACE === "1";
