/**
 * Runs a Python program as a child process and collects what it printed, line by
 * line, on proclab's clock, so a notebook can put Python's behaviour next to Node's:
 * measured on this machine, not asserted.
 */
import { spawn, spawnSync } from "node:child_process";
import { now } from "../core/clock";

export interface PythonLine {
  /** ms since the program started. */
  t: number;
  stream: "stdout" | "stderr";
  text: string;
}

export interface PythonRun {
  lines: PythonLine[];
  /** Exit code, or null when ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when proclab had to kill it after `timeoutMs`. */
  timedOut: boolean;
}

export interface PythonRunOptions {
  /** Arguments after the program (sys.argv[1:]). */
  args?: string[];
  /** Working folder of the program. Default: this process's. */
  cwd?: string;
  /** Kill the program (SIGKILL) after this long. Default 30 s: a demo must never hang a notebook. */
  timeoutMs?: number;
  /** Called for each line as it arrives (e.g. to react to a pid the program prints). */
  onLine?: (line: PythonLine, pid: number) => void;
}

const resolved = new Map<string, string>();

/**
 * The Python interpreter: $PROCLAB_PYTHON, else `python3`, resolved once to the program it
 * runs (`sys.executable`). A version manager's `python3` is a shell script that picks the
 * interpreter on every start: pyenv's took 270 of 300 ms per start here, more than most
 * demos it started. If Python cannot be asked, the name is kept, and a run fails saying so.
 */
export function pythonExecutable(): string {
  const name = process.env.PROCLAB_PYTHON || "python3";
  let program = resolved.get(name);
  if (program === undefined) {
    const asked = spawnSync(name, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", timeout: 10_000 });
    const answer = asked.status === 0 ? asked.stdout.trim() : "";
    program = answer !== "" ? answer : name;
    resolved.set(name, program);
  }
  return program;
}

/**
 * Runs `source` with Python and resolves when it has exited. Python's own buffering is
 * kept (a line arrives when the program flushes it: at exit, or `print(…, flush=True)`);
 * `python -u` would split a line's text and its newline into two writes, so lines of
 * concurrent processes would be cut in two.
 */
export function runPython(source: string, options: PythonRunOptions = {}): Promise<PythonRun> {
  const { args = [], cwd, timeoutMs = 30_000, onLine } = options;
  return new Promise((resolve, reject) => {
    const program = pythonExecutable(); // before the clock starts: the first call may ask a shim which program it runs
    const started = now();
    const child = spawn(program, ["-c", source, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const lines: PythonLine[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    for (const stream of ["stdout", "stderr"] as const) {
      let pending = "";
      child[stream].setEncoding("utf8");
      child[stream].on("data", (chunk: string) => {
        const parts = (pending + chunk).split("\n");
        pending = parts.pop() ?? "";
        for (const text of parts) {
          const line: PythonLine = { t: now() - started, stream, text };
          lines.push(line);
          onLine?.(line, child.pid ?? -1);
        }
      });
    }
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run Python (${pythonExecutable()}): ${error.message}; set PROCLAB_PYTHON to a Python 3 interpreter`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ lines, code, signal, timedOut });
    });
  });
}

/** The `name|value` lines a probe program prints on stdout, in order: how the course's Python probes answer. */
export function answerLines(run: PythonRun): Map<string, string> {
  return new Map(
    run.lines
      .filter((line) => line.stream === "stdout" && line.text.includes("|"))
      .map((line) => {
        const [name, ...value] = line.text.split("|");
        return [name.trim(), value.join("|").trim()] as [string, string];
      }),
  );
}

/** The error for a probe program that did not give its report: how it ended, and all it printed. */
export function reportMissing(who: string, run: PythonRun): Error {
  const ended = `${run.code ?? run.signal}${run.timedOut ? " (timed out)" : ""}`;
  return new Error(
    `${who}: the Python program ended with code ${ended} without its report; it printed:\n${run.lines.map((line) => line.text).join("\n")}`,
  );
}
