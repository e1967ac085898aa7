/**
 * Starts a proclab child: `node dist/process/child-entry.js <config>` with an
 * IPC channel. Daemon children run under `setpriv --pdeathsig SIGKILL`, so the
 * kernel kills them the moment their parent dies, even by SIGKILL (the flag
 * survives exec; Node has no API for it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChildConfig } from "./config";

const entry = path.join(__dirname, "child-entry.js");
const setpriv = "/usr/bin/setpriv";
const hasSetpriv = fs.existsSync(setpriv);

export function spawnChild(config: ChildConfig): ChildProcess {
  const nodeArgs = [entry, JSON.stringify(config)];
  const [command, argv] =
    config.daemon && hasSetpriv ? [setpriv, ["--pdeathsig", "SIGKILL", "--", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  // stdout/stderr writes are captured in the child; inherit only for what bypasses them (fatal V8 errors).
  return spawn(command, argv, { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
}
