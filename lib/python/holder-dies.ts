/**
 * Python's multiprocessing.Lock when its holder dies: a child acquires it and is
 * killed (or calls os._exit) without releasing. The lock is a semaphore that
 * nobody will ever post again: the parent's acquire() would block forever, so
 * it asks with a timeout and gets False. Measured, next to proclab's recovery.
 */
import { reportMissing, runPython, type PythonLine } from "./run";

/** argv[1]: seconds the parent waits; argv[2]: "kill" (SIGKILL itself) or "exit" (os._exit). */
const PYTHON_LOCK_HOLDER_DIES_PY = `
import multiprocessing as mp, os, signal, sys, time

def hold(lock, how):
    lock.acquire()
    print("holder", os.getpid(), "acquired the lock", flush=True)
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)  # dies here: no release, no cleanup
    os._exit(1)

if __name__ == '__main__':
    wait_s, how = float(sys.argv[1]), sys.argv[2]
    ctx = mp.get_context("fork")  # Linux's default before Python 3.14
    lock = ctx.Lock()
    p = ctx.Process(target=hold, args=(lock, how))
    p.start()
    p.join()
    print("holder exitcode", p.exitcode, flush=True)
    start = time.monotonic()
    got = lock.acquire(timeout=wait_s)  # without a timeout: blocks forever
    print("acquired", got, "after_ms", round((time.monotonic() - start) * 1000), flush=True)
`;

export interface PythonLockHolderDiesOptions {
  /** How long the parent's acquire waits, seconds (default 1). */
  waitS?: number;
  /** How the holder dies: SIGKILL (default) or os._exit(1). */
  death?: "kill" | "exit";
}

export interface PythonLockHolderDiesResult {
  /** -9 when killed by SIGKILL, 1 after os._exit(1). */
  holderExitCode: number | null;
  /** What `lock.acquire(timeout=waitS)` returned: False, the lock stays held by a dead process. */
  acquired: boolean;
  waitedMs: number;
  lines: PythonLine[];
  text: string;
}

export async function pythonLockHolderDies(options: PythonLockHolderDiesOptions = {}): Promise<PythonLockHolderDiesResult> {
  const { waitS = 1, death = "kill" } = options;
  if (!(waitS >= 0) || !Number.isFinite(waitS))
    throw new RangeError(`pythonLockHolderDies: waitS must be a finite number >= 0, got ${waitS}`);
  if (death !== "kill" && death !== "exit")
    throw new TypeError(`pythonLockHolderDies: death must be "kill" or "exit", got ${JSON.stringify(death)}`);
  const run = await runPython(PYTHON_LOCK_HOLDER_DIES_PY, { args: [String(waitS), death], timeoutMs: waitS * 1000 + 20_000 });
  const stdout = run.lines.filter((line) => line.stream === "stdout").map((line) => line.text);
  const exit = stdout.map((text) => /^holder exitcode (-?\d+)$/.exec(text)).find(Boolean);
  const outcome = stdout.map((text) => /^acquired (True|False) after_ms (\d+)$/.exec(text)).find(Boolean);
  if (!exit || !outcome || run.code !== 0) throw reportMissing("pythonLockHolderDies", run);
  const holderExitCode = Number(exit[1]);
  const acquired = outcome[1] === "True";
  const waitedMs = Number(outcome[2]);
  const text = acquired
    ? `Python: the holder died (exit code ${holderExitCode}) and the parent got the lock after ${waitedMs} ms.`
    : `Python: the holder died (exit code ${holderExitCode}) holding the lock; lock.acquire(timeout=${waitS}) returned False after ${waitedMs} ms — without a timeout it would wait forever.`;
  return { holderExitCode, acquired, waitedMs, lines: run.lines, text };
}
