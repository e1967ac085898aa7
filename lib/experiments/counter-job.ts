/**
 * The counter job: N processes × cycles of lock / read+increment+write a counter
 * file / unlock, all released together. The kinds of lock: proclab's Lock,
 * proper-lockfile polling every 1 ms, the OS's flock(2) (from Python's
 * fcntl.flock: Python is a prerequisite of the course), and none. A caller may
 * add kinds by command (the benchmark adds flock from C).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pythonExecutable } from "../python/run";
import { summariseCounterJob, type Hold, type LockCostRow } from "./counter-stats";

export type LockKind = "proclab" | "flock" | "proper-lockfile" | "none";
export const lockKinds: readonly LockKind[] = ["proclab", "flock", "proper-lockfile", "none"];

/** How to start one worker of a kind: it gets (counter file, lock file, cycles) and speaks the worker protocol. */
export type WorkerCommand = (counter: string, lockPath: string, cycles: number) => { command: string; args: string[] };

export interface CounterJobOptions {
  /** Where the job's files live (a scratch folder is made inside and removed). */
  dir: string;
  /** For kinds beyond `lockKinds`. */
  command?: WorkerCommand;
  /** Hang guard: workers still running after this are killed. Default 60 s. */
  timeoutMs?: number;
}

/** The flock worker: Python's fcntl.flock, the same file operations and output as the Node worker. */
const FLOCK_WORKER_PY = `
import fcntl, os, sys, time
counter, lock_path, cycles = sys.argv[1], sys.argv[2], int(sys.argv[3])
lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
times = []
print("ready", flush=True)
sys.stdin.readline()
for _ in range(cycles):
    req = time.time_ns()
    fcntl.flock(lock, fcntl.LOCK_EX)
    acq = time.time_ns()
    with open(counter) as f:
        value = int(f.read() or 0)
    with open(counter, "w") as f:
        f.write(str(value + 1))
    rel = time.time_ns()
    fcntl.flock(lock, fcntl.LOCK_UN)
    times.append((req, acq, rel))
print("\\n".join("%.4f %.4f %.4f" % (r / 1e6, a / 1e6, e / 1e6) for r, a, e in times), flush=True)
`;

const builtIn: Record<LockKind, WorkerCommand> = {
  flock: (counter, lockPath, cycles) => ({ command: pythonExecutable(), args: ["-c", FLOCK_WORKER_PY, counter, lockPath, String(cycles)] }),
  proclab: nodeWorker("proclab"),
  "proper-lockfile": nodeWorker("proper-lockfile"),
  none: nodeWorker("none"),
};

function nodeWorker(kind: string): WorkerCommand {
  return (counter, lockPath, cycles) => ({
    command: process.execPath,
    args: [path.join(__dirname, "counter-worker.js"), kind, counter, lockPath, String(cycles)],
  });
}

/** Runs one job and summarises it (ratioToFlock is left null: see withFlockRatios). */
export async function runCounterJob(kind: string, n: number, cycles: number, options: CounterJobOptions): Promise<LockCostRow> {
  const command = options.command ?? builtIn[kind as LockKind];
  if (!command)
    throw new Error(`counter job: unknown lock kind ${JSON.stringify(kind)}; expected one of ${lockKinds.join(", ")} or a command`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`counter job: processes must be a positive integer, got ${n}`);
  if (!Number.isInteger(cycles) || cycles < 1) throw new RangeError(`counter job: cycles must be a positive integer, got ${cycles}`);
  fs.mkdirSync(options.dir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(options.dir, `counter-${kind}-${n}-`));
  const counter = path.join(dir, "counter");
  const lockPath = path.join(dir, "lock");
  fs.writeFileSync(counter, "0");
  fs.writeFileSync(lockPath, "");
  const workers = Array.from({ length: n }, () => {
    const { command: file, args } = command(counter, lockPath, cycles);
    return spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
  });
  const guard = setTimeout(() => workers.forEach((w) => w.kill("SIGKILL")), options.timeoutMs ?? 60_000);
  try {
    const outputs = workers.map((worker) => collect(worker, kind));
    await Promise.all(outputs.map((o) => o.ready));
    for (const worker of workers) worker.stdin?.write("go\n");
    const texts = await Promise.all(outputs.map((o) => o.done));
    const holds: Hold[] = texts.flatMap((text, proc) => parseTimes(text).map(([req, acq, rel]) => ({ proc, req, acq, rel })));
    return summariseCounterJob(kind, n, cycles, holds, Number(fs.readFileSync(counter, "utf8")));
  } finally {
    clearTimeout(guard);
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A worker's `ready` (it is set up and waits for go) and its output after it. */
function collect(child: ChildProcess, kind: string): { ready: Promise<void>; done: Promise<string> } {
  let out = "";
  let err = "";
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    out += chunk;
    if (out.includes("ready\n")) onReady();
  });
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const done = new Promise<string>((resolve, reject) => {
    child.on("error", (error) => reject(new Error(`counter job: cannot start a ${kind} worker: ${error.message}`)));
    child.on("exit", (code, signal) =>
      code === 0
        ? resolve(out.slice(out.indexOf("ready\n") + 6))
        : reject(new Error(`counter job: a ${kind} worker exited with ${code ?? signal}: ${err.trim()}`)),
    );
  });
  done.catch(() => onReady()); // a worker that fails while starting must not hold up the others' go
  return { ready, done };
}

function parseTimes(text: string): number[][] {
  return text
    .trim()
    .split("\n")
    .map((line) => line.split(" ").map(Number));
}
