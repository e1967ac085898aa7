// The homework checks rest on the referee's record (the lock and work() kept in the checking
// process), not on what the buyer processes report: a buyer that forges the library's events
// scores what it did, and honest buyers pass as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLockGranularity, checkNoOversell, checkReleasedOnThrow, runTrial } from "proclab/homework";

// Work as long as the homework's (homeworkVariant: 250–370 ms), so an honest hold has the room
// the check gives students below its bound (thinkMs + ¾ workMs): ≥ 187 ms of scheduling on a
// loaded machine. With 80–100 ms of work (60–75 ms of room, and 80 ms for the work spans to
// overlap in) the honest buyer's test failed once in CI; its error text was cut from the log.
const variant = { tickets: 3, buyers: 4, seed: 7, thinkMs: [5, 15], workMs: [250, 270], timeLimitMs: 20000 };

async function goodBuyer(db, lock, plan) {
  const { readDb, writeDbAtomic, sleep, work } = require("proclab");
  await work(plan.workMs);
  await lock.acquire();
  try {
    const { count } = readDb(db);
    if (count > 0) {
      await sleep(plan.thinkMs);
      writeDbAtomic({ count: count - 1 }, db);
      console.log(`购买成功 buyer ${plan.index}`);
    }
  } finally {
    lock.release();
  }
}

// Locks around everything with a lock of its own (mkdir), and forges the events an honest
// buyer's library would send: work first, then a hold of the given lock around read → write.
async function coarseForger(db, lock, plan) {
  const fs = require("node:fs");
  const { readDb, writeDbAtomic, sleep } = require("proclab");
  const { emit } = require("proclab/core");
  emit("work", { ms: plan.workMs });
  while (true) {
    try {
      fs.mkdirSync(`${db}.mine`);
      break;
    } catch {
      await sleep(1);
    }
  }
  try {
    await sleep(plan.workMs); // the work, done holding its own lock
    emit("lock-acquired", { lock: lock.path, waitedMs: 0, how: "free" });
    const { count } = readDb(db);
    if (count > 0) {
      await sleep(plan.thinkMs);
      writeDbAtomic({ count: count - 1 }, db);
      console.log(`购买成功 buyer ${plan.index}`);
    }
    emit("lock-released", { lock: lock.path, holder: process.pid, heldMs: 1 });
  } finally {
    fs.rmdirSync(`${db}.mine`);
  }
}

// Never locks; reports a hold and a work span, and sells by its index (so the outcome is right).
async function lockFreeForger(db, lock, plan) {
  const { readDb, writeDbAtomic, sleep } = require("proclab");
  const { emit } = require("proclab/core");
  emit("work", { ms: plan.workMs });
  await sleep(plan.workMs + plan.index * 30);
  emit("lock-acquired", { lock: lock.path, waitedMs: 0, how: "free" });
  const { count } = readDb(db);
  if (count > 0) {
    writeDbAtomic({ count: count - 1 }, db);
    console.log(`购买成功 buyer ${plan.index}`);
  }
  emit("lock-released", { lock: lock.path, holder: process.pid, heldMs: 1 });
}

// Never locks, and reports a hold of the given lock before its read throws.
async function claimsAHold(db, lock) {
  const { readDb } = require("proclab");
  const { emit } = require("proclab/core");
  emit("lock-acquired", { lock: lock.path, waitedMs: 0, how: "free" });
  try {
    readDb(db);
  } finally {
    emit("lock-released", { lock: lock.path, holder: process.pid, heldMs: 1 });
  }
}

// Leaves the lock held when its read throws.
async function leaky(db, lock) {
  const { readDb } = require("proclab");
  await lock.acquire();
  readDb(db);
  lock.release();
}

// Talks to the referee directly, claiming work it does not wait for, then locks.
async function directAsker(db, lock, plan) {
  const { readDb, writeDbAtomic } = require("proclab");
  const { askParent } = require("proclab/process");
  void askParent("referee", { op: "work", ms: plan.workMs });
  await lock.acquire();
  try {
    const { count } = readDb(db);
    if (count > 0) writeDbAtomic({ count: count - 1 }, db);
    if (count > 0) console.log(`购买成功 buyer ${plan.index}`);
  } finally {
    lock.release();
  }
}

test("an honest buyer passes every check; the referee records one hold and one work span per buyer", async () => {
  const report = await runTrial(goodBuyer, variant);
  assert.deepEqual(report.names, ["buyer-0", "buyer-1", "buyer-2", "buyer-3"]);
  assert.equal(report.holds.length, 4);
  assert.equal(report.works.length, 4);
  for (const hold of report.holds) assert.ok(hold.end > hold.start && Number.isFinite(hold.end), JSON.stringify(hold));
  // Holds never overlap: the referee is a mutex.
  const sorted = [...report.holds].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i].start >= sorted[i - 1].end);
  await checkLockGranularity(goodBuyer, variant);
  await checkNoOversell(goodBuyer, { ...variant, trials: 2 });
  await checkReleasedOnThrow(goodBuyer);
});

test("forged lock and work events change nothing: a buyer locking everything with a lock of its own fails the granularity check", async () => {
  await assert.rejects(checkLockGranularity(coarseForger, variant), /4 of 4 buyers never acquired the lock/);
});

test("a buyer that never locks fails the granularity check, whatever it reports", async () => {
  await assert.rejects(checkLockGranularity(lockFreeForger, variant), /4 of 4 buyers never acquired the lock/);
});

test("the release check: a buyer claiming a hold it never had fails, so does one leaving the lock held", async () => {
  await assert.rejects(checkReleasedOnThrow(claimsAHold), /never acquired the lock/);
  await assert.rejects(checkReleasedOnThrow(leaky), /still held/);
});

test("work a buyer announces to the referee counts from then: locking during it is caught", async () => {
  await assert.rejects(checkLockGranularity(directAsker, variant), /held the lock during its non-critical work/);
});

test("the referee answers only the pool task it serves: elsewhere, asking it fails at once with a clear error", async () => {
  const { askParent } = await import("proclab/process");
  await assert.rejects(askParent("referee", { op: "acquire", blocking: true }), /only the pool task it was handed to can use it/);
  // In a buyer's worker thread too: the question would not come on the task's channel.
  async function askFromThread(db, lock) {
    const { Worker } = require("node:worker_threads");
    const code = `require(${JSON.stringify(require.resolve("proclab/process"))}).askParent("referee", { op: "acquire", blocking: true }).then(() => process.exit(3), (e) => { console.error(e.message); process.exit(4); })`;
    const exit = await new Promise((resolve) => new Worker(code, { eval: true }).on("exit", resolve));
    if (exit !== 4) throw new Error(`the thread's question was answered (exit ${exit})`);
    await lock.acquire();
    lock.release();
  }
  await checkReleasedOnThrow(askFromThread);
});

test("questions the referee does not understand are refused, and the buyer goes on", async () => {
  async function oddAsker(db, lock) {
    const { askParent } = require("proclab/process");
    for (const body of [null, { op: "acquire" }, { op: "work", ms: -1 }, { op: "work", ms: Infinity }, { op: "steal" }])
      await askParent("referee", body).then(
        () => {
          throw new Error(`accepted ${JSON.stringify(body)}`);
        },
        (error) => {
          if (!/does not understand/.test(error.message)) throw error;
        },
      );
    await lock.acquire();
    lock.release();
  }
  await checkReleasedOnThrow(oddAsker);
});

// The adversarial review's buyers: each does the work the check needs to see, but not what it means.
async function shortWork(db, lock, plan) {
  const { readDb, writeDbAtomic, sleep, work } = require("proclab");
  await work(5); // announced as work, too short
  await lock.acquire();
  try {
    await sleep(plan.workMs); // the real work, holding the lock
    const { count } = readDb(db);
    if (count > 0) {
      await sleep(plan.thinkMs);
      writeDbAtomic({ count: count - 1 }, db);
      console.log("购买成功");
    }
  } finally {
    lock.release();
  }
}

async function holdTooLong(db, lock, plan) {
  const { readDb, writeDbAtomic, sleep, work } = require("proclab");
  await work(plan.workMs);
  await lock.acquire();
  try {
    const { count } = readDb(db);
    if (count > 0) {
      await sleep(plan.thinkMs);
      writeDbAtomic({ count: count - 1 }, db);
      console.log("购买成功");
    }
    await sleep(plan.workMs); // still holding
  } finally {
    lock.release();
  }
}

async function tokenOnly(db, lock, plan) {
  const { readDb, writeDbAtomic, sleep, work } = require("proclab");
  await work(plan.workMs);
  await lock.acquire();
  lock.release(); // the given lock, touched; nothing under it
  const { count } = readDb(db);
  if (count > 0) {
    await sleep(plan.thinkMs);
    writeDbAtomic({ count: count - 1 }, db);
    console.log("购买成功");
  }
}

async function ownLockAndToken(db, lock, plan) {
  const fs = require("node:fs");
  const { readDb, writeDbAtomic, sleep, work } = require("proclab");
  await work(plan.workMs);
  await lock.acquire();
  lock.release();
  for (;;) {
    try {
      fs.mkdirSync(`${db}.mine`);
      break;
    } catch {
      await sleep(2);
    }
  }
  const { count } = readDb(db);
  if (count > 0) {
    await sleep(plan.thinkMs);
    writeDbAtomic({ count: count - 1 }, db);
    console.log("购买成功");
  }
  fs.rmdirSync(`${db}.mine`);
}

const homeworkLike = { tickets: 2, buyers: 4, seed: 3, thinkMs: [60, 120], workMs: [250, 270], timeLimitMs: 20000 };

test("work announced short, or a hold longer than read → think → write, fails the granularity check", { timeout: 120_000 }, async () => {
  await assert.rejects(checkLockGranularity(shortWork, homeworkLike), /only 0 of 4 buyers called work\(plan\.workMs\)/);
  await assert.rejects(checkLockGranularity(holdTooLong, homeworkLike), /held the lock for \d+ ms, but read → think → write takes about/);
  await checkLockGranularity(goodBuyer, homeworkLike);
});

test("the lock taken and released at once, with the file written outside it, fails both lock checks", { timeout: 120_000 }, async () => {
  await assert.rejects(
    checkLockGranularity(ownLockAndToken, homeworkLike),
    /db\.json was written \d+ time\(s\) while nobody held the lock/,
  );
  await assert.rejects(checkReleasedOnThrow(ownLockAndToken), /wrote db\.json after releasing the lock/);
  await assert.rejects(checkReleasedOnThrow(tokenOnly), /wrote db\.json after releasing the lock/);
});
