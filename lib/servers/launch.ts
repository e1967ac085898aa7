/**
 * Starting a server program as a private child, and making sure it never outlives us.
 *
 * Every server lives in a temp folder of its own (`proclab-server-<ourpid>-…`). It is stopped by
 * pid on every exit path:
 * - `stop()`, or this process exiting normally (an "exit" handler kills what is left);
 * - this process killed (kernel restart, SIGKILL): on Linux the server runs under
 *   `setpriv --pdeathsig SIGKILL`, so the kernel kills it with us;
 * - a cell interrupt: Jupyter sends SIGINT to the kernel's process group, which the servers are in.
 * Folders left by a process that died anyway are removed by the next start (`sweepStale`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as net from "node:net";
import * as path from "node:path";
import { pidExists } from "../core/pids";
import { linuxExtras } from "../core/platform";

const setpriv = "/usr/bin/setpriv";
const folderPrefix = "proclab-server-";

/** A user to run a server as: needed when we are root (PostgreSQL's initdb refuses root). */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** A server program that did not become ready: its name, why, and the end of its log. */
export class ServerStartError extends Error {
  override name = "ServerStartError";
}

const running = new Map<number, ChildProcess>();
const folders = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running.values()) killQuietly(child.pid, "SIGKILL");
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });
}

function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The user to run servers as when we are root: `postgres` if it exists, else `nobody`; null when not root. */
export function serverUser(): RunAs | null {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return null;
  const passwd = fs.readFileSync("/etc/passwd", "utf8").split("\n");
  for (const name of ["postgres", "nobody"]) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(":");
    if (fields) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error("running as root, but neither a postgres nor a nobody user exists to run the database servers as");
}

const shm = "/dev/shm";

/** Where server folders go: the temp folder, or tmpfs (memory) when asked and there is one. */
function rootFor(tmpfs: boolean): string {
  if (tmpfs) {
    try {
      fs.accessSync(shm, fs.constants.W_OK);
      return shm;
    } catch {
      // no tmpfs here (macOS): the temp folder
    }
  }
  return os.tmpdir();
}

/** Removes server folders of processes that are gone (a kernel killed before it could clean up). */
function sweepStale(root: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(root).filter((name) => name.startsWith(folderPrefix));
  } catch {
    return;
  }
  for (const name of names) {
    const owner = Number(name.slice(folderPrefix.length).split("-")[0]);
    if (Number.isInteger(owner) && owner !== process.pid && !pidExists(owner))
      fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

/** A fresh temp folder for one server, owned by `user` when given. Removed at exit. */
export function serverFolder(engine: string, user: RunAs | null, options: { tmpfs?: boolean } = {}): string {
  installExitHook();
  const root = rootFor(options.tmpfs ?? false);
  for (const place of new Set([os.tmpdir(), rootFor(true)])) sweepStale(place);
  const folder = fs.mkdtempSync(path.join(root, `${folderPrefix}${process.pid}-${engine}-`));
  if (user) fs.chownSync(folder, user.uid, user.gid);
  folders.add(folder);
  return folder;
}

/** Forgets and removes a server folder (after its server stopped). */
export function removeFolder(folder: string): void {
  folders.delete(folder);
  fs.rmSync(folder, { recursive: true, force: true });
}

export interface LaunchOptions {
  /** A name for messages: "PostgreSQL", "Redis", "etcd member m2". */
  label: string;
  command: string;
  args: readonly string[];
  cwd: string;
  user: RunAs | null;
  /** The log line that says the server is ready (stdout or stderr); or null when `ready` decides. */
  readyLine: RegExp | null;
  /** Polled every 50 ms when given: resolves true once the server answers. */
  ready?: () => Promise<boolean>;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** A running server program. */
export interface Launched {
  child: ChildProcess;
  pid: number;
  /** The end of what it printed (for error messages). */
  log(): string;
  /** Resolves when it has exited. */
  exited: Promise<void>;
}

/** Runs a program once to completion (initdb): rejects with its output when it fails. */
export function runOnce(
  label: string,
  command: string,
  args: readonly string[],
  user: RunAs | null,
  cwd: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // Under pdeathsig like the servers: an owner killed during initdb leaves no initdb behind.
    const [program, argv] = withPdeathsig(command, args);
    const child = spawn(program, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], ...(user ? { uid: user.uid, gid: user.gid } : {}) });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new ServerStartError(`${label} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("exit", () => clearTimeout(timer));
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => reject(new ServerStartError(`${label}: could not run ${command}: ${error.message}`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new ServerStartError(`${label} failed (${signal ?? `exit code ${code}`}):\n${output.trim().split("\n").slice(-8).join("\n")}`),
        );
    });
  });
}

/** Starts a server and resolves once it is ready; on failure it is killed and the error shows its log. */
/** `command args` under `setpriv --pdeathsig SIGKILL` where there is one (Linux): it dies with us. */
function withPdeathsig(command: string, args: readonly string[]): [string, string[]] {
  return linuxExtras && fs.existsSync(setpriv) ? [setpriv, ["--pdeathsig", "SIGKILL", "--", command, ...args]] : [command, [...args]];
}

export async function launch(options: LaunchOptions): Promise<Launched> {
  const [command, args] = withPdeathsig(options.command, options.args);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  let log = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.pid !== undefined) running.set(child.pid, child);
  child.once("exit", () => running.delete(child.pid as number));
  const tail = (): string => log.trim().split("\n").slice(-10).join("\n");
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ServerStartError(`${options.label} was not ready after ${options.timeoutMs} ms. Its log ends:\n${tail()}`)),
      options.timeoutMs,
    );
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      log = (log + chunk.toString()).slice(-20_000);
      if (options.readyLine?.test(log)) done();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) => reject(new ServerStartError(`${options.label}: could not start ${options.command}: ${error.message}`)));
    child.once("exit", (code, signal) =>
      reject(new ServerStartError(`${options.label} exited while starting (${signal ?? `exit code ${code}`}). Its log ends:\n${tail()}`)),
    );
    if (options.ready) {
      const poll = async (): Promise<void> => {
        while (child.exitCode === null && child.signalCode === null) {
          if (await options.ready!().catch(() => false)) return done();
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      void poll();
    }
  });
  try {
    await ready;
  } catch (error) {
    killQuietly(child.pid, "SIGKILL");
    await exited;
    throw error;
  }
  // Servers talk a lot; keep reading so a full pipe never blocks them, and keep the tail for errors.
  child.stdout?.removeAllListeners("data");
  child.stderr?.removeAllListeners("data");
  const keep = (chunk: Buffer): void => void (log = (log + chunk.toString()).slice(-20_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // A server must not keep a script alive by itself: stop() or the exit hook ends it.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  return { child, pid: child.pid as number, log: tail, exited };
}

/** Stops a launched server: `signal` first, SIGKILL after `graceMs`. */
export async function stopLaunched(server: Launched, signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  killQuietly(server.pid, signal);
  const timer = setTimeout(() => killQuietly(server.pid, "SIGKILL"), graceMs);
  // The child is unref'd: without a timer of our own, waiting for its exit could let the process end first.
  const alive = setInterval(() => undefined, 1000);
  await server.exited;
  clearTimeout(timer);
  clearInterval(alive);
}

/** Whether a launched server is still running. */
export function isUp(server: Launched): boolean {
  return server.child.exitCode === null && server.child.signalCode === null && pidExists(server.pid);
}

/** A free TCP port on `host` (the kernel picks it; closed again at once). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
