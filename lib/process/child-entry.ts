/**
 * Entry point of every proclab child: `node child-entry.js <config json>`.
 * Links to the root's collector, then runs one target (mode `process`) or
 * serves pool tasks (mode `worker`).
 */
import { emit } from "../core/events";
import { reviveArgs } from "./args";
import { setChildConfig, type ChildConfig } from "./config";
import { closeLink, connectToCollector } from "./link";
import { endChildren, type ChildMessage, type RunMessage } from "./process";
import { explainTargetError, loadTarget } from "./target";
import { serveTasks } from "./worker";

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
setChildConfig(config);

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

/** Ends this process after its main program: Python's atexit order, then flush the link. */
async function finish(code: number): Promise<never> {
  await endChildren();
  await closeLink();
  process.exit(code);
}

function fail(error: unknown): Promise<never> {
  const text = explainTargetError(error, config.name);
  emit("error", { message: text });
  process.stderr.write(text);
  send({ type: "error", message: text });
  return finish(1);
}

async function runOnce(message: RunMessage): Promise<void> {
  process.on("uncaughtException", (error) => void fail(error));
  process.on("unhandledRejection", (error) => void fail(error));
  try {
    const target = loadTarget(message.target);
    await target(...reviveArgs(message.args));
  } catch (error) {
    await fail(error);
  }
  await finish(0);
}

async function main(): Promise<void> {
  await connectToCollector(config);
  emit("start", { ppid: process.ppid, daemon: config.daemon });
  process.on("disconnect", () => {
    // The parent died (its IPC channel closed). A daemon ends with it: on Linux a backup for
    // setpriv's pdeathsig, elsewhere (macOS, PROCLAB_PORTABLE=1) the only way it learns.
    // Others live on as orphans, adopted by pid 1 or a subreaper.
    emit("parent-died", { daemon: config.daemon });
    if (config.daemon) void closeLink().then(() => process.exit(1));
  });
  send({ type: "ready" });
  if (config.mode === "worker") serveTasks();
  else process.once("message", (message: RunMessage) => void runOnce(message));
}

void main();
