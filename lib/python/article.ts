/**
 * The article's own Python programs (../shared/seed.md), run for real on this machine so
 * the notebooks can show what Python does next to what Node.js does. The code is the
 * article's, with only the sleep made a parameter and a pid printed where an experiment
 * needs to find the child.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sleep } from "../core/clock";
import { isRunning } from "../core/pids";
import { runPython, type PythonRun } from "./run";

/** The article's daemon example; `sys.argv[1]` is the child's sleep in seconds (the article: 3). */
const ARTICLE_DAEMON_PY = `
from multiprocessing import Process
import time, sys, os

def task():
    print("zi run")
    time.sleep(float(sys.argv[1]))
    print("zi over")

if __name__ == '__main__':
    p = Process(target=task)
    p.daemon = True  # 将这个进程设置为了守护进程  必须在开启进程前设置
    p.start()
    print(f"child pid {p.pid}", flush=True)
    if sys.argv[2] == "linger":
        time.sleep(60)  # the main stays alive until it is killed
    print("主over")
`;

/** The article's ticket rush: 7 buyers, lock around buy(), show() outside it. argv[1]: "lock" or "none". */
const ARTICLE_TICKETS_PY = `
from multiprocessing import Process, Lock
import json, sys

def show():
    with open('db.json', 'r', encoding='utf-8') as fr:
        data = json.load(fr)
        print('剩余票数', data['count'])

def buy():
    with open('db.json', 'r', encoding='utf-8') as fr:
        data = json.load(fr)
        count = data['count']

    if count > 0:
        count -= 1
        data['count'] = count
        with open('db.json', 'w', encoding='utf-8') as fw:
            json.dump(data, fw)
        print('购买成功')


def task(mutex):
    show()
    if sys.argv[1] == "lock":
        mutex.acquire()
    buy()
    if sys.argv[1] == "lock":
        mutex.release()


if __name__ == '__main__':
    mutex = Lock()
    for i in range(int(sys.argv[2])):
        p = Process(target=task, args=(mutex,))
        p.start()
`;

export interface PythonDaemonResult {
  /** What the programs printed, in order. */
  run: PythonRun;
  /** Whether the daemon child printed its last line ("zi over"). */
  childFinished: boolean;
  /** Only when the main was SIGKILLed: was the daemon child still alive 300 ms later? */
  childSurvivedKill: boolean | null;
}

/**
 * Runs the article's daemon example in Python. With `killMain`, the main stays alive
 * and is SIGKILLed once its daemon child has started; 300 ms later we look whether the
 * child is still alive (then end it ourselves, so nothing leaks).
 */
export async function pythonDaemonDemo(options: { childSleepS?: number; killMain?: boolean } = {}): Promise<PythonDaemonResult> {
  const { childSleepS = 3, killMain = false } = options;
  let childPid = 0;
  let survived: boolean | null = null;
  const checks: Promise<void>[] = [];
  const run = await runPython(ARTICLE_DAEMON_PY, {
    args: [String(childSleepS), killMain ? "linger" : "exit"],
    onLine: (line, mainPid) => {
      const match = /^child pid (\d+)/.exec(line.text);
      if (!match || !killMain) return;
      childPid = Number(match[1]);
      checks.push(
        (async () => {
          await sleep(200);
          process.kill(mainPid, "SIGKILL");
          await sleep(300);
          survived = isRunning(childPid);
          if (survived) process.kill(childPid, "SIGKILL");
        })(),
      );
    },
  });
  await Promise.all(checks);
  return { run, childFinished: run.lines.some((l) => l.text === "zi over"), childSurvivedKill: killMain ? survived : null };
}

export interface PythonTicketTrial {
  /** Buyers told 购买成功. */
  sold: number;
  /** Tickets at the start. */
  tickets: number;
  oversold: number;
  /** Buyers that crashed reading a half-written db.json (a JSONDecodeError traceback). */
  crashedReaders: number;
  /** db.json unparsable after the trial. */
  corrupt: boolean;
}

/** Runs the article's ticket rush in Python `trials` times, each from `{"count": tickets}`. */
export async function pythonTicketRush(
  options: { trials?: number; buyers?: number; tickets?: number; lock?: boolean } = {},
): Promise<PythonTicketTrial[]> {
  const { trials = 20, buyers = 7, tickets = 1, lock = true } = options;
  const results: PythonTicketTrial[] = [];
  for (let i = 0; i < trials; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-py-rush-"));
    try {
      const db = path.join(dir, "db.json");
      fs.writeFileSync(db, JSON.stringify({ count: tickets }));
      // The article opens 'db.json' relative to its working folder.
      const run = await runPython(ARTICLE_TICKETS_PY, { args: [lock ? "lock" : "none", String(buyers)], cwd: dir, timeoutMs: 20_000 });
      const sold = run.lines.filter((l) => l.stream === "stdout" && l.text.includes("购买成功")).length;
      let corrupt = false;
      try {
        JSON.parse(fs.readFileSync(db, "utf8"));
      } catch {
        corrupt = true;
      }
      results.push({
        sold,
        tickets,
        oversold: Math.max(0, sold - tickets),
        crashedReaders: run.lines.filter((l) => l.stream === "stderr" && /JSONDecodeError/.test(l.text)).length,
        corrupt,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}
