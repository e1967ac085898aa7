/**
 * The root's collector. Every proclab process, at any depth, connects to one
 * Unix socket owned by the root (the notebook kernel, test or script) and
 * streams its events there as JSON lines. The root thus sees every process's
 * output and lifetime, and a closed connection means the process is gone, even
 * when it died by SIGKILL. The server is unref'd: it never keeps the root alive.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { now } from "../core/clock";
import { deliver, onEvent, type ProcEvent } from "../core/events";
import { readJsonLines } from "../core/lines";
import { isRunning } from "../core/pids";
import { echoEvent } from "./echo";

/** First line a child sends on its connection. */
export interface Hello {
  pid: number;
  ppid: number;
  name: string;
  daemon: boolean;
  echo: boolean;
  ancestry: number[];
}

/** What the root knows about one process of the tree. */
interface ProcessInfo {
  pid: number;
  name: string;
  daemon: boolean;
  echo: boolean;
  /** Proclab ancestors below the root, oldest first. */
  ancestry: number[];
  connected: boolean;
  closed: boolean;
  /** Its parent saw it exit (`exit` event). */
  exited: boolean;
  /** It had connected before its parent saw it exit, so its connection will close too. */
  readyAtExit: boolean;
}

const infos = new Map<number, ProcessInfo>();
const changeListeners = new Set<() => void>();
let socketPath: string | null = null;

/** The collector's socket path; creates the collector on first use (root only). */
export function collectorPath(): string {
  if (socketPath) return socketPath;
  removeStaleSockets();
  const file = path.join(os.tmpdir(), `proclab-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
  const server = net.createServer(accept);
  server.listen(file);
  server.unref();
  process.on("exit", () => fs.rmSync(file, { force: true }));
  onEvent(track);
  socketPath = file;
  return file;
}

/** A root killed by SIGKILL cannot remove its socket file; the next root does. */
function removeStaleSockets(): void {
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const owner = /^proclab-(\d+)-\w+\.sock$/.exec(entry);
    if (owner && !isRunning(Number(owner[1]))) fs.rmSync(path.join(os.tmpdir(), entry), { force: true });
  }
}

/**
 * The record of `pid`. `fresh` (a spawn or a hello: a process starting) replaces a record
 * left by an earlier process that had the same pid: pids are reused (pid_max can be 32768).
 */
function infoFor(pid: number, name: string, fresh = false): ProcessInfo {
  let info = infos.get(pid);
  if (!info || (fresh && (info.closed || info.exited))) {
    info = { pid, name, daemon: false, echo: false, ancestry: [], connected: false, closed: false, exited: false, readyAtExit: false };
    infos.set(pid, info);
  }
  return info;
}

function accept(socket: net.Socket): void {
  socket.unref();
  let info: ProcessInfo | null = null;
  // The first line is the child's hello; every line after it is one of its events.
  readJsonLines<Hello | ProcEvent>(socket, (message) => {
    if (info) deliver(message as ProcEvent);
    else info = register(message as Hello);
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    if (!info) return;
    info.closed = true;
    deliver({ t: now(), pid: info.pid, name: info.name, type: "end", data: { reason: "connection closed" } });
  });
}

function register(hello: Hello): ProcessInfo {
  const info = infoFor(hello.pid, hello.name, true);
  Object.assign(info, { name: hello.name, daemon: hello.daemon, echo: hello.echo, ancestry: hello.ancestry, connected: true });
  return info;
}

/** Bookkeeping from events: parents announce children (`spawn`) and their ends (`exit`). */
function track(event: ProcEvent): void {
  if (event.type === "spawn") {
    const info = infoFor(event.data.child, event.data.childName, true);
    info.daemon = event.data.daemon;
    info.echo = event.data.echo;
    info.ancestry = event.data.ancestry;
  } else if (event.type === "exit") {
    const info = infoFor(event.pid, event.name);
    info.exited = true;
    info.readyAtExit = event.data.ready;
  }
  if (event.type === "print" && infos.get(event.pid)?.echo) echoEvent(event);
  if (event.type === "exit" || event.type === "end") for (const listener of [...changeListeners]) listener();
}

/** Gone: its connection closed (all its output arrived), or it ended without ever connecting. */
function isGone(pid: number): boolean {
  const info = infos.get(pid);
  if (!info) return !isRunning(pid);
  if (info.closed) return true;
  if (info.connected) return false;
  if (info.exited) return !info.readyAtExit;
  return !isRunning(pid);
}

/** Resolves once `pids()` are all gone (re-read on every change: trees grow), or after `timeoutMs`; true if all gone. */
export function whenAllGone(pids: () => number[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!pids().every(isGone)) return;
      finish(true);
    };
    const poll = setInterval(check, 50); // catches processes that never connected (died while starting)
    const guard = setTimeout(() => finish(false), timeoutMs);
    const finish = (allGone: boolean): void => {
      clearInterval(poll);
      clearTimeout(guard);
      changeListeners.delete(check);
      resolve(allGone);
    };
    changeListeners.add(check);
    check();
  });
}

/** Pids the root knows in the tree under `pid` (its proclab descendants). */
export function descendantsOf(pid: number): number[] {
  return [...infos.values()].filter((info) => info.ancestry.includes(pid)).map((info) => info.pid);
}
