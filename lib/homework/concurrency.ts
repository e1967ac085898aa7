/**
 * Concurrency-aware checks for homework tests. Each throws an Error whose message
 * says what went wrong in terms of the course (oversold, lock held during work…).
 */
import { tr } from "../core/lang";
import { isEvent, onEvent } from "../core/events";
import { runMain, WorkerPool, type Transcript } from "../process";
import type { Target } from "../process";
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../core/paths";
import { isRunning } from "../core/pids";
import { deriveSeed } from "../core/random";
import { race } from "../tickets/race";
import { PidWatch } from "./kernel-view";
import { Referee, type BuyerSpan } from "./referee";
import { errorLine, runTrial, type HomeworkBuyer, type TrialOptions, type TrialReport } from "./trial";

/** Checks one finished rush: no buyer failed, no ticket sold twice, every ticket sold once. */
export function expectSoldCorrectly(report: TrialReport, label: string): void {
  if (report.errors.length > 0)
    throw new Error(tr(`${label}: a buyer failed — ${report.errors[0]}`, `${label}：有买家出错——${report.errors[0]}`));
  const expected = Math.max(0, report.tickets - report.buyers);
  if (report.told > report.tickets) {
    throw new Error(
      tr(
        `${label}: oversold — ${report.told} buyers were told 购买成功 but only ${report.tickets} tickets existed`,
        `${label}：超卖（oversold）——${report.told} 个买家被告知 购买成功，但只有 ${report.tickets} 张票`,
      ),
    );
  }
  if (report.finalCount !== report.tickets - report.told) {
    throw new Error(
      tr(
        `${label}: ${report.told} buyers were told 购买成功 but the count went from ${report.tickets} to ${report.finalCount}`,
        `${label}：${report.told} 个买家被告知 购买成功，但余票数从 ${report.tickets} 变成了 ${report.finalCount}`,
      ) +
        (report.finalCount > report.tickets - report.told
          ? tr(
              " — two buyers read the same count and wrote the same value (a lost update: oversold)",
              "——两个买家读到同一个余票数并写回同一个值（丢失更新：超卖 oversold）",
            )
          : ""),
    );
  }
  if (report.finalCount !== expected) {
    throw new Error(
      tr(
        `${label}: ${report.buyers} buyers wanted ${report.tickets} tickets, but ${report.finalCount} were left unsold`,
        `${label}：${report.buyers} 个买家要买 ${report.tickets} 张票，却剩下 ${report.finalCount} 张没卖出`,
      ),
    );
  }
}

/** "No oversell over K adversarial trials": `trials` rushes with seeded random think and work times. */
export async function checkNoOversell(buyer: HomeworkBuyer, options: TrialOptions & { trials: number }): Promise<void> {
  for (let index = 0; index < options.trials; index++) {
    const seed = deriveSeed(options.seed, index);
    const report = await runTrial(buyer, { ...options, seed });
    expectSoldCorrectly(
      report,
      `trial ${index + 1}/${options.trials} (seed ${seed}, ${options.tickets} tickets, ${options.buyers} buyers)`,
    );
  }
}

const overlaps = (a: BuyerSpan, b: BuyerSpan): boolean => a.start < b.end && b.start < a.end;

/**
 * "The lock is held only around the critical section": every buyer locks, none does its
 * non-critical work while holding the lock, and the work of different buyers overlaps in time.
 * Holds and work spans are the referee's record (referee.ts), not the buyers' own reports.
 */
export async function checkLockGranularity(buyer: HomeworkBuyer, options: TrialOptions): Promise<void> {
  const report = await runTrial(buyer, options);
  const { holds, works, names, plans } = report;
  // Causes before their symptoms: a buyer that failed says why; buyers that never lock usually
  // oversell too, but only sometimes.
  if (report.errors.length > 0)
    throw new Error(
      tr(
        `the rush (seed ${options.seed}): a buyer failed — ${report.errors[0]}`,
        `抢票（seed ${options.seed}）：有买家出错——${report.errors[0]}`,
      ),
    );
  const unlocked = names.filter((name) => !holds.some((hold) => hold.buyer === name));
  if (unlocked.length > 0)
    throw new Error(
      tr(
        `${unlocked.length} of ${names.length} buyers never acquired the lock: read → think → write must run holding it`,
        `${names.length} 个买家中有 ${unlocked.length} 个从未获取锁：读 → 思考 → 写 必须在持有锁时运行`,
      ),
    );
  expectSoldCorrectly(report, `the rush (seed ${options.seed})`);
  const working = names.filter((name) => works.some((w) => w.buyer === name && (w.askedMs ?? 0) >= plans[name].workMs));
  if (working.length < names.length)
    throw new Error(
      tr(
        `only ${working.length} of ${names.length} buyers called work(plan.workMs): do the non-critical work first`,
        `${names.length} 个买家中只有 ${working.length} 个调用了 work(plan.workMs)：先做非临界区的工作`,
      ),
    );
  if (report.unlockedWrites > 0)
    throw new Error(
      tr(
        `db.json was written ${report.unlockedWrites} time(s) while nobody held the lock: read → think → write must all run holding it`,
        `没有人持有锁时 db.json 被写了 ${report.unlockedWrites} 次：读 → 思考 → 写 必须全部在持有锁时运行`,
      ),
    );
  for (const w of works) {
    const hold = holds.find((h) => h.buyer === w.buyer && overlaps(h, w));
    if (hold)
      throw new Error(
        tr(
          `${w.buyer} held the lock during its non-critical work (${Math.round(w.end - w.start)} ms): lock only read → think → write`,
          `${w.buyer} 在做非临界区工作（${Math.round(w.end - w.start)} ms）时持有锁：只锁住 读 → 思考 → 写`,
        ),
      );
  }
  for (const hold of holds) {
    const plan = plans[hold.buyer];
    // A critical section is a read, the think time and a write. A hold that also covered work of
    // the work's length lasts thinkMs + workMs; three quarters of the work time is the room left
    // for a busy machine's scheduling (a referee's hold includes the IPC round trips).
    const longest = plan.thinkMs + (plan.workMs * 3) / 4;
    if (!Number.isFinite(hold.end))
      throw new Error(
        tr(`${hold.buyer} never released the lock: release it in a finally block`, `${hold.buyer} 从未释放锁：在 finally 块中释放它`),
      );
    if (hold.end - hold.start > longest)
      throw new Error(
        tr(
          `${hold.buyer} held the lock for ${Math.round(hold.end - hold.start)} ms, but read → think → write takes about ${plan.thinkMs} ms: lock only the critical section`,
          `${hold.buyer} 持有锁 ${Math.round(hold.end - hold.start)} ms，但 读 → 思考 → 写 只需约 ${plan.thinkMs} ms：只锁住临界区`,
        ),
      );
  }
  const together = works.some((a) => works.some((b) => a.buyer !== b.buyer && overlaps(a, b)));
  if (!together)
    throw new Error(
      tr(
        "the buyers' non-critical work never overlapped in time: the lock (or something else) made them take turns",
        "买家们的非临界区工作在时间上从未重叠：锁（或别的东西）让它们轮流执行",
      ),
    );
}

/**
 * "The lock is released when the critical section throws": runs `buyer` in a child process on a
 * corrupt db.json (its read throws), then checks with the referee that the lock is free while
 * that child still lives (a lock left held by a live process stays held).
 */
export async function checkReleasedOnThrow(buyer: HomeworkBuyer, options: { timeLimitMs?: number } = {}): Promise<void> {
  if (typeof buyer !== "function")
    throw new TypeError(`checkReleasedOnThrow: buyer must be a function (db, lock, plan), got ${typeof buyer}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(dataDir, "homework-throw-"));
  const pool = new WorkerPool({ size: 1, name: "buyer" });
  try {
    const db = path.join(dir, "db.json");
    // db.json is corrupt only while the buyer holds the lock: its read throws there, and only
    // there. Read outside the lock, it is valid — and a buyer that then writes it is caught.
    const valid = JSON.stringify({ count: 1 });
    fs.writeFileSync(db, valid);
    const referee = new Referee({ taken: () => fs.writeFileSync(db, "{ torn"), freed: () => fs.writeFileSync(db, valid) }, dir);
    const lock = referee.lock("the buyer's lock");
    const limit = options.timeLimitMs ?? 4000;
    await pool.start();
    const [result] = await race(pool, [{ target: buyer, args: [db, lock, { index: 0, workMs: 0, thinkMs: 0 }], name: "buyer-0" }], {
      timeoutMs: limit,
      services: referee.services,
    });
    referee.close();
    if (!result.ok && /timed out|time limit|timeout/i.test(result.error ?? ""))
      throw new Error(
        tr(
          `the buyer was still running ${limit} ms after its read failed on a corrupt db.json (retrying forever?)`,
          `读取损坏的 db.json 失败 ${limit} ms 后，买家仍在运行（无限重试？）`,
        ),
      );
    const thrown = result.ok ? "it did not throw" : `it threw: ${errorLine(result.error ?? "")}`;
    if (referee.holds.length === 0)
      throw new Error(
        tr(
          `the buyer never acquired the lock (${thrown}): read → think → write must run holding it`,
          `买家从未获取锁（${thrown}）：读 → 思考 → 写 必须在持有锁时运行`,
        ),
      );
    if (referee.holder() !== null)
      throw new Error(
        tr(
          `the lock is still held after the buyer's read failed on a corrupt db.json (${thrown}): release it in a finally block`,
          `买家读取损坏的 db.json 失败（${thrown}）后，锁仍被持有：在 finally 块中释放它`,
        ),
      );
    if (fs.readFileSync(db, "utf8") !== valid)
      throw new Error(
        tr(
          `the buyer wrote db.json after releasing the lock (${thrown}): read → think → write must all run holding it`,
          `买家在释放锁之后写了 db.json（${thrown}）：读 → 思考 → 写 必须全部在持有锁时运行`,
        ),
      );
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * "The daemon child is gone after the main ends": runs `main` as a main program; it must start
 * at least one daemon child and end by itself, and no daemon may outlive it. Returns the transcript.
 * In the grader's sandbox the kernel's view backs the processes' own reports (kernel-view.ts):
 * nothing main started may still live after it, and each daemon it reported must have existed.
 */
export async function checkDaemonGone(main: Target, options: { args?: unknown[]; timeLimitMs?: number } = {}): Promise<Transcript> {
  const limit = options.timeLimitMs ?? 10000;
  const watch = await PidWatch.start();
  const stopConfirming = watch
    ? onEvent((event) => {
        if (event.type === "start") watch.confirm(event.pid);
      })
    : () => undefined;
  let transcript: Transcript;
  try {
    transcript = await runMain(main, { args: options.args, echo: false, timeoutMs: limit });
  } finally {
    stopConfirming();
    watch?.stop();
  }
  const mainLife = transcript.lifetimes.find((life) => life.pid === transcript.pid);
  const daemons = transcript.lifetimes.filter((life) => life.daemon && life.pid !== transcript.pid);
  const errors = transcript.events.filter(isEvent("error")).map((e) => e.data.message.split("\n").slice(0, 2).join(" "));
  if (errors.length > 0) throw new Error(tr(`a process failed: ${errors[0]}`, `有进程出错：${errors[0]}`));
  if (daemons.length === 0)
    throw new Error(
      tr("main started no daemon child (new Process({ …, daemon: true }))", "main 没有启动守护子进程（new Process({ …, daemon: true })）"),
    );
  const alive = daemons.filter((life) => isRunning(life.pid));
  if (transcript.killedAtTimeout.length > 0 || alive.length > 0) {
    throw new Error(
      tr(
        `the main program did not end cleanly: ${transcript.killedAtTimeout.length} process(es) still ran after ${limit} ms (a non-daemon child that never ends, or a join on the daemon)`,
        `主程序没有干净地结束：${limit} ms 后仍有 ${transcript.killedAtTimeout.length} 个进程在运行（一个永不结束的非守护子进程，或对守护进程调用了 join）`,
      ),
    );
  }
  const late = daemons.filter(
    (life) => life.end === null || (mainLife?.end !== null && mainLife?.end !== undefined && life.end > mainLife.end + 1000),
  );
  if (late.length > 0) throw new Error(tr(`daemon ${late[0].name} outlived the main program`, `守护进程 ${late[0].name} 比主程序活得更久`));
  if (watch) {
    const left = await watch.settle(1000);
    if (left.length > 0)
      throw new Error(
        `something main started still ran after main ended (the grader saw ${left.length} new pid(s) alive, whatever the processes reported): a child that is not a daemon, or one started outside Process`,
      );
    const unseen = daemons.find((life) => !watch.saw(life.pid));
    if (unseen) throw new Error(`main reported a daemon child ${unseen.name} (pid ${unseen.pid}) that the grader never saw running`);
    const problem = await watch.helperProblem();
    if (problem) throw new Error(problem);
    // main ends its daemons on its way out, after its other children: each daemon must outlive those.
    const others = transcript.lifetimes.filter((life) => !life.daemon && life.pid !== transcript.pid && watch.saw(life.pid));
    for (const daemon of daemons) {
      const before = others.find((other) => !watch.aliveAsLongAs(daemon.pid, other.pid));
      if (before)
        throw new Error(
          tr(
            `daemon ${daemon.name} ended before ${before.name} did (the grader saw it gone first): a daemon heartbeat runs until main ends it`,
            `守护进程 ${daemon.name} 比 ${before.name} 先结束（评分程序先看到它消失）：守护进程的心跳应一直运行到 main 结束它`,
          ),
        );
    }
    for (const daemon of daemons) {
      const kind = await watch.kinds.get(daemon.pid);
      if (kind === "thread" || kind === "gone")
        throw new Error(
          `main reported a daemon child ${daemon.name} (pid ${daemon.pid}) that was ${kind === "thread" ? "a thread, not a process" : "gone as soon as it was reported"}: a daemon runs until main ends`,
        );
    }
  }
  return transcript;
}

// Test helpers: answer cells run in the same kernel and must not be able to swap them.
Object.freeze(module.exports);
