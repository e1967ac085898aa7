/**
 * The article's two rules about daemon children, asked of Python itself: `daemon` must be set
 * before `start()`, and a daemon cannot have children. Python answers each with an
 * AssertionError; notebook 01 prints its messages next to proclab's.
 */
import { answerLines, reportMissing, runPython } from "./run";

const PYTHON_DAEMON_RULES_PY = `
import multiprocessing as mp

def nothing():
    pass

def start_a_child():
    try:
        mp.get_context("fork").Process(target=nothing).start()
        print("a daemon starts a child|no error", flush=True)
    except AssertionError as error:
        print("a daemon starts a child|AssertionError:", error, flush=True)

if __name__ == '__main__':
    ctx = mp.get_context("fork")
    p = ctx.Process(target=nothing)
    p.start()
    try:
        p.daemon = True
        print("daemon set after start()|no error", flush=True)
    except AssertionError as error:
        print("daemon set after start()|AssertionError:", error, flush=True)
    p.join()
    d = ctx.Process(target=start_a_child, daemon=True)
    d.start()
    d.join()
`;

export interface PythonDaemonRules {
  /** What `p.daemon = True` after `p.start()` raised (or "no error"). */
  daemonAfterStart: string;
  /** What starting a process inside a daemon child raised (or "no error"). */
  childOfDaemon: string;
  text: string;
}

export async function pythonDaemonRules(): Promise<PythonDaemonRules> {
  const run = await runPython(PYTHON_DAEMON_RULES_PY, { timeoutMs: 20_000 });
  const answers = answerLines(run);
  const daemonAfterStart = answers.get("daemon set after start()");
  const childOfDaemon = answers.get("a daemon starts a child");
  if (run.code !== 0 || daemonAfterStart === undefined || childOfDaemon === undefined) throw reportMissing("pythonDaemonRules", run);
  return {
    daemonAfterStart,
    childOfDaemon,
    text: `Python, daemon set after start(): ${daemonAfterStart}\nPython, a daemon starts a child: ${childOfDaemon}`,
  };
}
