/**
 * Starts a proclab child: `node dist/process/child-entry.js <config>` with an
 * IPC channel. Daemon children run under `setpriv --pdeathsig SIGKILL`, so the
 * kernel kills them the moment their parent dies, even by SIGKILL (the flag
 * survives exec; Node has no API for it). That is Linux's acceleration: without setpriv
 * (macOS, or PROCLAB_PORTABLE=1, see core/platform.ts) a daemon child ends itself when its IPC
 * channel closes (child-entry.ts's "disconnect" handler), which also covers a SIGKILLed parent.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { linuxExtras } from "../core/platform";
import type { ChildConfig } from "./config";

const entry = path.join(__dirname, "child-entry.js");
const setpriv = "/usr/bin/setpriv";
// Fallback when false: the child's IPC "disconnect" handler ends the daemon (child-entry.ts).
const hasSetpriv = linuxExtras && fs.existsSync(setpriv);

export function spawnChild(config: ChildConfig): ChildProcess {
  const nodeArgs = [entry, JSON.stringify(config)];
  const [command, argv] =
    config.daemon && hasSetpriv ? [setpriv, ["--pdeathsig", "SIGKILL", "--", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  // stdout/stderr writes are captured in the child; inherit only for what bypasses them (fatal V8 errors).
  return spawn(command, argv, { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
}
