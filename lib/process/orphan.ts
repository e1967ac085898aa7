/**
 * watchOrphan: shows an orphan being made. A main starts a non-daemon child and
 * is then killed with SIGKILL; the child lives on and its parent pid changes to
 * its adopter (pid 1 or a subreaper).
 */
import * as path from "node:path";
import { isEvent } from "../core/events";
import { runMain, type Transcript } from "./run-main";

export interface OrphanReport {
  parentPid: number;
  childPid: number;
  ppidBefore: number | null;
  ppidAfter: number | null;
  /** Command name of the adopter, from /proc; null where /proc is missing or hidden (macOS, PROCLAB_PORTABLE=1). */
  adoptedBy: string | null;
  transcript: Transcript;
}

/** The child lives `childLifetimeMs` after its parent is killed. */
export async function watchOrphan(options: { childLifetimeMs?: number; echo?: boolean } = {}): Promise<OrphanReport> {
  const transcript = await runMain(
    async (lifetimeMs: number, processModule: string) => {
      const { Process } = require(processModule); // this layer's own module, by path: the main is a fresh process
      const child = new Process({
        name: "child",
        args: [lifetimeMs],
        target: async (ms: number) => {
          console.log(`child: my parent is ${process.ppid}`);
          const parent = process.ppid;
          const deadline = Date.now() + 30000;
          while (parent === process.ppid && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          console.log(`child: orphaned, my parent is now ${process.ppid}`);
          await new Promise((r) => setTimeout(r, ms));
        },
      });
      child.start();
      await new Promise((r) => setTimeout(r, 100_000)); // killed long before
    },
    {
      args: [options.childLifetimeMs ?? 300, path.join(__dirname, "process.js")],
      echo: options.echo ?? true,
      kill: { signal: "SIGKILL", when: (event) => event.type === "print" && event.data.text.startsWith("child: my parent") },
    },
  );
  const child = transcript.lifetimes.find((lifetime) => lifetime.name === "child");
  const ppidEvent = transcript.events.filter(isEvent("ppid")).find((event) => event.pid === child?.pid);
  return {
    parentPid: transcript.pid,
    childPid: child?.pid ?? -1,
    ppidBefore: child?.ppids[0] ?? null,
    ppidAfter: child?.ppids.at(-1) ?? null,
    adoptedBy: ppidEvent?.data.parent ?? null,
    transcript,
  };
}
