/**
 * The judge: a process of its own that runs the teacher's tests (grading/judge-program.ts) and
 * nothing of the student's but function sources, which the course's checks run in child
 * processes. Started by grade.ts inside the sandbox, with one JSON object on stdin:
 * { key, program, answers: { name: source }, memoryMb }. Writes one line to fd 3:
 * { payload, proof } — the RunResult as JSON and its HMAC-SHA256 with `key`. The key arrives on
 * stdin, read before any child starts, so a child (student code) cannot sign a forged result.
 */
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import { judgedCheck, type CheckResult } from "../homework/check";
import { errorLine } from "../homework/trial";
import { WorkerPool, type Target } from "../process";
import { outOfMemory } from "./sandbox";
import type { CellRun, RunResult } from "./score";

export interface JudgeInput {
  key: string;
  program: string;
  /** Per answer cell, its functions' JavaScript by name. */
  answers: Array<{ cell: string; functions: Array<{ name: string; js: string }> }>;
  /** The answers the teacher declared async (called in a worker; the others for a plain value). */
  asyncNames: string[];
  /** The sandbox's memory limit per process, for messages. */
  memoryMb: number;
}

const callScript = path.join(__dirname, "call.js");
/** Pools kept until the test cell ends: a process that took a lock keeps holding it while the test looks. */
const openPools: WorkerPool[] = [];

async function closePools(): Promise<void> {
  for (let pool = openPools.pop(); pool; pool = openPools.pop()) await pool.close();
}

/** A synchronous answer called here: it runs in a child process; its value (JSON) comes back. */
function callInChild(name: string, functions: string[], args: unknown[]): unknown {
  args.forEach((arg, i) => {
    if (
      typeof arg === "function" ||
      (typeof arg === "object" && arg !== null && Object.getPrototypeOf(arg) !== Object.prototype && !Array.isArray(arg))
    )
      throw new TypeError(`${name}: argument ${i + 1} cannot be passed to the student's code in another process (only plain data)`);
  });
  const run = spawnSync(process.execPath, [callScript], {
    input: JSON.stringify({ functions, name, args }),
    stdio: ["pipe", "ignore", "ignore", "pipe"],
    timeout: 10_000,
    killSignal: "SIGKILL", // an answer that ignores SIGTERM must not hold the judge
    maxBuffer: 1024 * 1024,
  });
  const code = (run.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ETIMEDOUT") throw new Error(`${name}(…) did not return within 10 s`);
  if (code === "ENOBUFS") throw new Error(`${name}(…) returned more than 1 MB`);
  if (run.error) throw new Error(`${name}(…) could not be run in a child process (${code ?? run.error.message})`);
  const line = String(run.output[3] ?? "").trim();
  if (!line) throw new Error(`${name}(…) ended without a value (exit ${run.status ?? run.signal})`);
  let result: { value?: unknown; error?: string };
  try {
    result = JSON.parse(line) as typeof result;
  } catch {
    throw new Error(`${name}(…) returned something that is not plain data`);
  }
  if (result.error !== undefined) throw new Error(result.error);
  return result.value;
}

/** An async answer called here: it runs in a pool worker (transferable arguments such as a Lock allowed). */
async function callInWorker(name: string, functions: string[], args: unknown[]): Promise<unknown> {
  const wrapper = `async function ${name}(...args) {\n${functions.join("\n")}\nreturn ${name}(...args);\n}`;
  const target = Object.defineProperty(function () {}, "toString", { value: () => wrapper });
  Object.defineProperty(target, "name", { value: name });
  const pool = new WorkerPool({ size: 1, name });
  openPools.push(pool);
  await pool.start();
  const [result] = await pool.run([{ target: target as Target, args, name }], { timeoutMs: 30_000 });
  if (!result.ok) throw new Error(errorLine(result.error ?? `${name} failed`));
  return result.value;
}

/**
 * A stand-in for an answer function. Handed to a check, it carries the student's source to the
 * child processes the check starts (`toString`). Called by a test directly, it runs the student's
 * function in a child process and returns its value: nothing of the student's runs here.
 */
function standIn(name: string, source: string, cellFunctions: string[], isAsync: boolean): (...args: unknown[]) => unknown {
  const fn = {
    [name]: (...args: unknown[]) => (isAsync ? callInWorker(name, cellFunctions, args) : callInChild(name, cellFunctions, args)),
  }[name];
  Object.defineProperty(fn, "toString", { value: () => source });
  return fn;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n").find((line) => line.trim() !== "") ?? "the cell threw an empty error").slice(0, 300);
}

/** Signs a result with the key and writes it on fd 3; the grader keeps the last valid line. */
function report(key: string, result: RunResult): void {
  const payload = JSON.stringify(result);
  const proof = createHmac("sha256", key).update(payload).digest("hex");
  fs.writeSync(3, `${JSON.stringify({ payload, proof })}\n`);
}

async function judge(input: JudgeInput): Promise<RunResult> {
  const cells: Record<string, CellRun> = {};
  const timing = { setupMs: 0, cellsMs: {} as Record<string, number> };
  let cellStart = 0;
  let current = "";
  const explain = (message: string): string =>
    outOfMemory.test(message) ? `${message} — ran out of memory (limit ${input.memoryMb} MB per process)` : message;
  const record = (result: CheckResult): void => {
    cells[result.cell]?.records.push({ name: result.name, points: result.points, passed: result.passed, message: explain(result.message) });
  };
  const check = judgedCheck(record, () => current);
  // From the project (read-only in the sandbox), never from the writable working folder.
  const base = createRequire(path.join(__dirname, "..", "..", "package.json"));
  const judgeRequire = (id: string): unknown => {
    const exported = base(id) as Record<string, unknown>;
    return id === "proclab" || id === "proclab/homework" ? { ...exported, check } : exported;
  };
  const answers = new Map(
    input.answers.flatMap(({ functions }) =>
      functions.map(
        ({ name, js }) =>
          [
            name,
            standIn(
              name,
              js,
              functions.map((f) => f.js),
              input.asyncNames.includes(name),
            ),
          ] as const,
      ),
    ),
  );
  const api = {
    answer(name: string) {
      return answers.get(name);
    },
    async enter(id: string) {
      await closePools();
      // What is known so far, signed: a run stopped at its wall time keeps the tests that finished.
      if (current !== "") report(input.key, { cells, timing, stopped: "partial" });
      const now = performance.now();
      if (current === "") timing.setupMs = Math.round(now);
      else timing.cellsMs[current] = Math.round(now - cellStart);
      cellStart = now;
      current = id;
      cells[id] = { status: "ok", reason: "", records: [], forged: 0 };
    },
    failed(error: unknown) {
      const cell = cells[current];
      if (cell) Object.assign(cell, { status: "error", reason: explain(firstLine(error)) });
    },
  };
  const program = vm.runInThisContext(input.program, { filename: "teacher-tests.js" }) as (...args: unknown[]) => Promise<void>;
  try {
    await program({}, judgeRequire, { exports: {} }, api);
    await closePools();
    if (current !== "") timing.cellsMs[current] = Math.round(performance.now() - cellStart);
    return { cells, timing };
  } catch (error) {
    return { cells, timing, stopped: `the teacher's setup code failed: ${firstLine(error)}` };
  }
}

async function main(): Promise<void> {
  // SIGUSR1 would open Node's inspector on the sandbox's loopback, where a student's process could
  // reach it and run code in the judge. Listening for the signal keeps it closed.
  process.on("SIGUSR1", () => undefined);
  const input = JSON.parse(fs.readFileSync(0, "utf8")) as JudgeInput;
  report(input.key, await judge(input));
  process.exit(0); // children still running (a test left them) end with the sandbox
}

if (require.main === module) void main();
