/**
 * A child's link to the root's collector: forwards every event there, turns
 * stdout/stderr writes into `print` events, reports parent-pid changes, and
 * ends the process when the root is gone (so nothing outlives a notebook kernel).
 */
import * as fs from "node:fs";
import * as net from "node:net";
import { configureEvents, emit, type ProcEvent } from "../core/events";
import { writeJsonLine } from "../core/lines";
import { hasProc } from "../core/platform";
import type { ChildConfig } from "./config";
import type { Hello } from "./collector";

let socket: net.Socket | null = null;
let closing = false;

function forward(event: ProcEvent): void {
  if (socket) writeJsonLine(socket, event);
}

/** Connects, says hello, and routes this process's events and output to the root. */
export function connectToCollector(config: ChildConfig): Promise<void> {
  const hello: Hello = {
    pid: process.pid,
    ppid: process.ppid,
    name: config.name,
    daemon: config.daemon,
    echo: config.echo,
    ancestry: config.ancestry,
  };
  const link = net.createConnection(config.collector);
  socket = link;
  writeJsonLine(link, hello);
  configureEvents(config.name, forward);
  captureOutput();
  watchParentPid();
  link.on("error", () => link.destroy());
  link.on("close", () => {
    // The root is gone (kernel restarted, test ended): end too, leave no orphan behind.
    if (!closing) process.exit(1);
  });
  return new Promise((resolve) => {
    link.once("connect", () => {
      link.unref();
      resolve();
    });
  });
}

/** Renames this process in its events (pool workers take their task's name). */
export function renameTo(name: string): void {
  configureEvents(name, forward);
}

/** Flushes pending events and closes the link (before a deliberate exit). */
export function closeLink(): Promise<void> {
  closing = true;
  const link = socket;
  if (!link || link.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const guard = setTimeout(resolve, 1000);
    link.end(() => {
      clearTimeout(guard);
      resolve();
    });
  });
}

function captureOutput(): void {
  for (const stream of ["stdout", "stderr"] as const) {
    const write = (
      chunk: string | Uint8Array,
      encoding?: BufferEncoding | ((error?: Error | null) => void),
      callback?: (error?: Error | null) => void,
    ): boolean => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? encoding : "utf8");
      emit("print", { stream, text });
      const done = typeof encoding === "function" ? encoding : callback;
      if (done) process.nextTick(done);
      return true;
    };
    process[stream].write = write as typeof process.stdout.write;
  }
}

/** Polls the parent pid (cheap: one syscall) to record when this process becomes an orphan. */
function watchParentPid(): void {
  let last = process.ppid;
  setInterval(() => {
    const ppid = process.ppid;
    if (ppid === last) return;
    emit("ppid", { from: last, to: ppid, parent: commandOf(ppid) });
    last = ppid;
  }, 25).unref();
}

/** The adopter's command name from /proc; where there is none (macOS, PROCLAB_PORTABLE=1) the fallback is null: the pid alone is reported. */
function commandOf(pid: number): string | null {
  if (!hasProc) return null;
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}
