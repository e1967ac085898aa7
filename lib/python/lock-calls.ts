/**
 * Python's multiprocessing.Lock, called live: what acquire, acquire(False), a timeout and a
 * second release answer, and whether a process other than the holder may release it (it
 * may: the lock is a semaphore, not an owned mutex). Notebook 03 prints it next to `Lock`.
 */
import { answerLines, reportMissing, runPython } from "./run";

const PYTHON_LOCK_CALLS_PY = `
import multiprocessing as mp

def release_it(lock):
    lock.release()

if __name__ == '__main__':
    ctx = mp.get_context("fork")  # Linux's default before Python 3.14
    lock = ctx.Lock()
    print("acquire()|", lock.acquire(), flush=True)
    print("acquire(False)|", lock.acquire(False), flush=True)
    print("acquire(timeout=0.2)|", lock.acquire(timeout=0.2), flush=True)
    lock.release()
    try:
        lock.release()
        print("release() again|", "no error", flush=True)
    except ValueError as error:
        print("release() again|", "ValueError:", error, flush=True)
    lock.acquire()
    other = ctx.Process(target=release_it, args=(lock,))
    other.start()
    other.join()
    print("released by another process, then acquire(False)|", lock.acquire(False), flush=True)
`;

export interface PythonLockCall {
  /** The call, as written in Python. */
  call: string;
  /** What Python printed for it: True, False, or the error. */
  result: string;
}

export interface PythonLockCallsResult {
  calls: PythonLockCall[];
  /** Another process released the lock the parent held, and the parent could take it again. */
  releasedByAnother: boolean;
  text: string;
}

export async function pythonLockCalls(): Promise<PythonLockCallsResult> {
  const run = await runPython(PYTHON_LOCK_CALLS_PY, { timeoutMs: 20_000 });
  const calls = [...answerLines(run)].map(([call, result]) => ({ call, result }));
  if (run.code !== 0 || calls.length !== 5) throw reportMissing("pythonLockCalls", run);
  const width = Math.max(...calls.map((c) => c.call.length));
  return {
    calls,
    releasedByAnother: calls[4].result === "True",
    text: calls.map((c) => `Python ${c.call.padEnd(width)} → ${c.result}`).join("\n"),
  };
}
