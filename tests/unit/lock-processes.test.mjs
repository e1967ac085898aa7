// Lock across processes: exclusion under contention, release by another process, children given
// the lock in args, a holder killed with SIGKILL (recovered), a live but blocked holder (not robbed).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Lock, Process, now } from "proclab";
import { onEvent } from "proclab/core";

const root = path.resolve(import.meta.dirname, "..", "..");
const started = new Set();
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** A Node child running `code` (CommonJS, with `lockPath` defined); resolves lines it prints. */
function child(code, lockPath) {
  const proc = spawn(process.execPath, ["-e", `const lockPath = ${JSON.stringify(lockPath)};\n${code}`], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(proc);
  let out = "";
  let err = "";
  const waiters = [];
  proc.stdout.on("data", (chunk) => {
    out += chunk;
    for (const w of [...waiters]) if (out.includes(w.text)) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
  });
  proc.stderr.on("data", (chunk) => (err += chunk));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    proc,
    output: () => out,
    /** Resolves once the child has printed `text`; rejects if it exits first. */
    printed: (text) =>
      out.includes(text)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            waiters.push({ text, resolve });
            exited.then(({ code, signal }) => reject(new Error(`child exited (${code ?? signal}) before printing ${text}: ${out}${err}`)));
          }),
    exited,
  };
}

/** Hold intervals [acquired, released] from lock events, in acquisition order. */
function holds(events, lockPath) {
  const mine = events.filter((e) => e.data?.lock === lockPath);
  const open = new Map();
  const result = [];
  for (const e of mine.sort((a, b) => a.t - b.t)) {
    if (e.type === "lock-acquired") open.set(e.pid, e.t);
    if (e.type === "lock-released") {
      result.push({ pid: e.pid, from: open.get(e.pid), to: e.t });
      open.delete(e.pid);
    }
  }
  return result.sort((a, b) => a.from - b.from);
}

function assertNoOverlap(intervals) {
  for (let i = 1; i < intervals.length; i++) {
    assert.ok(
      intervals[i].from >= intervals[i - 1].to,
      `hold ${i} (pid ${intervals[i].pid}) began before hold ${i - 1} (pid ${intervals[i - 1].pid}) ended`,
    );
  }
}

test("N processes contending for one lock: the counter is exact and no two holds overlap", { timeout: 60_000 }, async () => {
  const lock = new Lock();
  const counter = `${lock.path}.counter`;
  fs.writeFileSync(counter, "0");
  const n = 4;
  const cycles = 150;
  const workers = Array.from({ length: n }, () =>
    child(
      `const fs = require("fs"); const { Lock } = require("proclab"); const { onEvent } = require("proclab/core");
       const events = []; onEvent((e) => events.push(e));
       (async () => {
         const lock = new Lock(lockPath);
         for (let i = 0; i < ${cycles}; i++) {
           await lock.acquire();
           const v = Number(fs.readFileSync(${JSON.stringify(counter)}, "utf8"));
           await new Promise((r) => setImmediate(r)); // give others a chance to break in, if they could
           fs.writeFileSync(${JSON.stringify(counter)}, String(v + 1));
           lock.release();
         }
         console.log("EVENTS " + JSON.stringify(events));
       })();`,
      lock.path,
    ),
  );
  const results = await Promise.all(workers.map((w) => w.exited));
  for (const r of results) assert.deepEqual(r, { code: 0, signal: null });
  assert.equal(Number(fs.readFileSync(counter, "utf8")), n * cycles);
  const events = workers.flatMap((w) => JSON.parse(w.output().split("EVENTS ")[1]));
  const intervals = holds(events, lock.path);
  assert.equal(intervals.length, n * cycles);
  assertNoOverlap(intervals);
  assert.equal(lock.holder(), null);
});

test("a lock held by one process can be released by another, like Python's Lock", { timeout: 30_000 }, async () => {
  const lock = new Lock();
  assert.equal(await lock.acquire(), true);
  const releaser = child(
    `const lock = new (require("proclab").Lock)(lockPath);
     lock.release(); console.log("released");
     try { lock.release(); } catch (e) { console.log("second: " + e.message); }`,
    lock.path,
  );
  await releaser.exited;
  assert.match(releaser.output(), /released\nsecond: lock released too many times/);
  assert.equal(await lock.acquire(false), true);
  lock.release();
});

test(
  "a lock just released, even if kept by its releaser for a quick re-take, is free to other processes",
  { timeout: 30_000 },
  async () => {
    const lock = new Lock();
    assert.equal(await lock.acquire(), true);
    lock.release();
    // spawnSync blocks our event loop, so a lock kept by this process stays kept while the child runs.
    const code = `const lock = new (require("proclab").Lock)(lockPath);
    console.log("holder " + JSON.stringify(lock.holder()));
    try { lock.release(); } catch (e) { console.log("release: " + e.message); }
    lock.acquire(false).then((got) => { console.log("got " + got + " " + (lock.holder()?.pid === process.pid)); lock.release(); });`;
    const run = spawnSync(process.execPath, ["-e", `const lockPath = ${JSON.stringify(lock.path)};\n${code}`], {
      cwd: root,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(run.stdout, "holder null\nrelease: lock released too many times\ngot true true\n", run.stderr);
    assert.equal(lock.holder(), null);
    assert.equal(await lock.acquire(false), true);
    lock.release();
  },
);

test("a Lock passed to children in args excludes them from each other", { timeout: 60_000 }, async () => {
  const lock = new Lock();
  const counter = `${lock.path}.counter`;
  fs.writeFileSync(counter, "0");
  const target = async (lock, counter, cycles) => {
    const fs = require("fs");
    for (let i = 0; i < cycles; i++) {
      await lock.withLock(async () => {
        const v = Number(fs.readFileSync(counter, "utf8"));
        await new Promise((r) => setImmediate(r));
        fs.writeFileSync(counter, String(v + 1));
      });
    }
  };
  const children = [0, 1, 2].map(() => new Process({ target, args: [lock, counter, 50], echo: false }));
  for (const p of children) p.start();
  for (const p of children) await p.join();
  for (const p of children) assert.equal(p.exitCode, 0, p.error ?? "");
  assert.equal(Number(fs.readFileSync(counter, "utf8")), 150);
  const intervals = holds(
    children.flatMap((p) => p.events),
    lock.path,
  );
  assert.equal(intervals.length, 150);
  assertNoOverlap(intervals);
});

test("a holder killed with SIGKILL does not deadlock: the waiter takes over, fast", { timeout: 30_000 }, async (t) => {
  const lock = new Lock();
  const holder = child(
    `const lock = new (require("proclab").Lock)(lockPath);
     lock.acquire().then(() => console.log("held")); setInterval(() => {}, 1000);`,
    lock.path,
  );
  await holder.printed("held");
  assert.equal(lock.holder().pid, holder.proc.pid);
  const events = [];
  const stop = onEvent((e) => e.type === "lock-acquired" && e.data.lock === lock.path && events.push(e));
  const waiting = lock.acquire();
  // A random delay, so the kill does not line up with the waiter's 20 ms liveness check.
  await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 40));
  const killedAt = now();
  holder.proc.kill("SIGKILL");
  assert.equal(await waiting, true);
  const recoveryMs = now() - killedAt;
  stop();
  t.diagnostic(`recovered ${recoveryMs.toFixed(1)} ms after SIGKILL`);
  assert.equal(lock.holder().pid, process.pid);
  assert.equal(events[0].data.how, "recovered");
  assert.equal(events[0].data.recoveredFrom, holder.proc.pid);
  // Hang guard, and below proper-lockfile's 2 s minimum staleness: the takeover is by pid, not by age.
  assert.ok(recoveryMs < 2000, `took ${recoveryMs} ms`);
  lock.release();
});

test("a holder alive but blocked for seconds is never robbed", { timeout: 30_000 }, async () => {
  const lock = new Lock();
  const log = `${lock.path}.log`;
  const holder = child(
    `const fs = require("fs"); const lock = new (require("proclab").Lock)(lockPath);
     lock.acquire().then(() => {
       console.log("held");
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000); // event loop blocked 3 s
       fs.appendFileSync(${JSON.stringify(log)}, "holder done\\n");
       lock.release();
     });`,
    lock.path,
  );
  await holder.printed("held");
  // 2.5 s is past proper-lockfile's minimum stale time (2 s), which would let a waiter rob it.
  assert.equal(await lock.acquire(true, 2500), false);
  assert.equal(lock.holder().pid, holder.proc.pid);
  assert.equal(await lock.acquire(), true);
  fs.appendFileSync(log, "waiter in\n");
  assert.equal(fs.readFileSync(log, "utf8"), "holder done\nwaiter in\n");
  lock.release();
  assert.deepEqual(await holder.exited, { code: 0, signal: null });
});

test(
  "one lock file reached by two paths (a symlinked folder) is one lock, in one process and across processes",
  { timeout: 30_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(root, "build", "lock-alias-"));
    const alias = `${dir}-alias`;
    fs.symlinkSync(dir, alias);
    try {
      const lock = new Lock(path.join(dir, "shared"));
      assert.equal(await lock.acquire(), true);
      const sameInThisProcess = new Lock(path.join(alias, "shared"));
      assert.equal(await sameInThisProcess.acquire(true, 100), false, "one lock in this process too: it waits, and times out");
      const code = `const lock = new (require("proclab").Lock)(lockPath);
      lock.acquire(false).then((got) => console.log("got " + got + ", holder " + (lock.holder()?.pid === ${process.pid} ? "parent" : "other")));`;
      const run = spawnSync(process.execPath, ["-e", `const lockPath = ${JSON.stringify(path.join(alias, "shared"))};\n${code}`], {
        cwd: root,
        encoding: "utf8",
        timeout: 20_000,
      });
      assert.equal(run.stdout, "got false, holder parent\n", run.stderr);
      lock.release();
    } finally {
      fs.rmSync(alias, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "a lock's files live beside it: held, its holder, its waiters; processes that exit leave no FIFO and no lock directory",
  { timeout: 30_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(root, "build", "lock-files-"));
    try {
      const lockPath = path.join(dir, "l");
      const code = `const { Lock } = require("proclab"); const fs = require("fs"); const lock = new Lock(${JSON.stringify(lockPath)});
      (async () => { await lock.acquire(); console.log(fs.readdirSync(${JSON.stringify(dir)}).sort().join(" "));
        setTimeout(() => lock.release(), 50); await lock.acquire(); lock.release(); })();`;
      const two = [0, 1].map(() => spawn(process.execPath, ["-e", code], { cwd: root, stdio: ["ignore", "pipe", "inherit"] }));
      for (const p of two) started.add(p); // killed after the tests if they hang
      const outputs = await Promise.all(
        two.map(
          (p) =>
            new Promise((resolve) => {
              let out = "";
              p.stdout.on("data", (d) => (out += d));
              p.once("exit", (c) => resolve([c, out]));
            }),
        ),
      );
      assert.deepEqual(
        outputs.map(([c]) => c),
        [0, 0],
      );
      for (const [, out] of outputs) assert.equal(out, "l l.lock l.owner l.waiters\n");
      assert.deepEqual(fs.readdirSync(dir).sort(), ["l", "l.owner", "l.waiters"], "the lock directory is gone");
      assert.deepEqual(fs.readdirSync(path.join(dir, "l.waiters")), ["trash"], "no FIFO is left, and no released lock directory");
      assert.deepEqual(fs.readdirSync(path.join(dir, "l.waiters", "trash")), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "a lock folder deleted while a process waits: its acquire is rejected naming the lock, with no uncaught trace",
  { timeout: 30_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(root, "build", "lock-gone-"));
    const lockPath = path.join(dir, "l");
    const lock = new Lock(lockPath);
    assert.equal(await lock.acquire(), true);
    const code = `const { Lock } = require("proclab"); const lock = new Lock(${JSON.stringify(lockPath)});
  console.log("waiting"); lock.acquire().then((got) => console.log("got " + got), (e) => console.log("rejected: " + e.message));`;
    const child = spawn(process.execPath, ["-e", code], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    started.add(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    while (!out.includes("waiting")) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200)); // it is queued
    // Gone at once (renamed away, then removed): rm -r alone takes a while, and the waiter may
    // take the lock, legitimately, while its directory is being removed.
    fs.renameSync(dir, `${dir}-gone`);
    fs.rmSync(`${dir}-gone`, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    const code_ = await new Promise((resolve) => child.once("exit", resolve));
    assert.equal(err, "");
    assert.equal(code_, 0);
    assert.equal(out, `waiting\nrejected: Lock: the folder of ${JSON.stringify(lockPath)} has disappeared\n`);
    lock.release(); // the hold went with the folder: releasing it is not an error
  },
);

test("waiters get the lock in the order they asked for it (first come, first served, across processes)", { timeout: 60_000 }, async () => {
  const lock = new Lock();
  assert.equal(await lock.acquire(), true);
  const waiters = [];
  for (let i = 0; i < 4; i++) {
    const w = child(
      `const { Lock, now } = require("proclab"); const lock = new Lock(lockPath);
      setTimeout(() => { console.log("asking"); lock.acquire().then(() => { console.log("got " + now()); setTimeout(() => lock.release(), 20); }); }, 300);`,
      lock.path,
    );
    await w.printed("asking");
    await sleep(100); // its request is queued before the next child asks
    waiters.push(w);
  }
  lock.release();
  await Promise.all(waiters.map((w) => w.exited));
  const gotAt = waiters.map((w) => Number(/got ([\d.]+)/.exec(w.output())[1]));
  assert.deepEqual(
    [...gotAt].sort((a, b) => a - b),
    gotAt,
    `acquired in asking order: ${gotAt}`,
  );
});

test(
  "two users locking one file exclude each other (the exclusion lives beside the file, not per user)",
  {
    timeout: 60_000,
    skip: process.getuid?.() !== 0 || !fs.existsSync("/usr/bin/setpriv") ? "needs root and setpriv to run a second user" : false,
  },
  async () => {
    // A copy of the library that another user can read (the project may sit in a private folder).
    const copy = fs.mkdtempSync(path.join("/tmp", "proclab-users-"));
    const shared = fs.mkdtempSync(path.join("/tmp", "proclab-users-lock-"));
    try {
      for (const part of [
        "dist",
        "package.json",
        ...["proper-lockfile", "graceful-fs", "retry", "signal-exit"].map((m) => path.join("node_modules", m)),
      ]) {
        fs.cpSync(path.join(root, part), path.join(copy, part), { recursive: true });
      }
      fs.chmodSync(copy, 0o755);
      fs.chmodSync(shared, 0o1777);
      const lockPath = path.join(shared, "l");
      const counter = path.join(shared, "counter");
      fs.writeFileSync(counter, "0");
      fs.chmodSync(counter, 0o666);
      const code = `const fs = require("fs"); const { Lock } = require(${JSON.stringify(path.join(copy, "dist", "index.js"))});
      const lock = new Lock(${JSON.stringify(lockPath)});
      (async () => { for (let i = 0; i < 100; i++) { await lock.acquire();
        const v = Number(fs.readFileSync(${JSON.stringify(counter)}, "utf8")); await new Promise((r) => setImmediate(r));
        fs.writeFileSync(${JSON.stringify(counter)}, String(v + 1)); lock.release(); } })();`;
      const users = [[], ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]].map((prefix) => {
        const [command, ...args] = [...prefix, process.execPath, "-e", code];
        const user = spawn(command, args, { cwd: "/tmp", stdio: ["ignore", "inherit", "inherit"] });
        started.add(user); // killed after the tests if they hang
        return user;
      });
      const codes = await Promise.all(users.map((p) => new Promise((resolve) => p.once("exit", resolve))));
      assert.deepEqual(codes, [0, 0]);
      assert.equal(fs.readFileSync(counter, "utf8"), "200", "no lost update: root and nobody never held the lock together");
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
      fs.rmSync(shared, { recursive: true, force: true });
    }
  },
);

test(
  "what killed processes leave is cleared, and nothing planted in the waiters' folder is written through",
  { timeout: 30_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(root, "build", "lock-leftovers-"));
    try {
      const lockPath = path.join(dir, "l");
      const victim = path.join(dir, "victim");
      fs.writeFileSync(victim, "precious");
      // A waiter killed while queued leaves its FIFO in the queue; a stranger plants a symlink first in line.
      const holder = new Lock(lockPath);
      assert.equal(await holder.acquire(), true);
      const killed = child(
        `const lock = new (require("proclab").Lock)(lockPath); setTimeout(() => { lock.acquire(); console.log("queued"); }, 300);`,
        lockPath,
      );
      await killed.printed("queued");
      await sleep(50);
      killed.proc.kill("SIGKILL");
      await killed.exited;
      fs.symlinkSync(victim, path.join(`${lockPath}.waiters`, "q-00000000000000000-1-1"));
      const queuedBefore = fs.readdirSync(`${lockPath}.waiters`).filter((n) => n.startsWith("q-"));
      assert.equal(queuedBefore.length, 2, `the killed waiter's FIFO and the planted link: ${queuedBefore}`);
      const next = child(
        `const lock = new (require("proclab").Lock)(lockPath); setTimeout(() => lock.acquire().then(() => { console.log("got it"); lock.release(); }), 300);`,
        lockPath,
      );
      await sleep(600);
      holder.release();
      await next.printed("got it");
      assert.equal(fs.readFileSync(victim, "utf8"), "precious", "a wake-up never writes through a planted link");
      assert.deepEqual(
        fs.readdirSync(`${lockPath}.waiters`).filter((n) => n.startsWith("q-")),
        [],
        "dead and planted entries are removed",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("a waiter that cannot make its wake-up FIFO (no mkfifo) still gets the lock, by polling", { timeout: 30_000 }, async () => {
  const lockPath = path.join(root, "build", `lock-no-fifo-${process.pid}`);
  try {
    const holder = child(
      `const lock = new (require("proclab").Lock)(lockPath);
      lock.acquire().then(() => { console.log("holding"); setTimeout(() => lock.release(), 2000); });`,
      lockPath,
    );
    await holder.printed("holding");
    const waiter = `process.env.PATH = "/nonexistent"; const lock = new (require("proclab").Lock)(${JSON.stringify(lockPath)});
      lock.acquire(false).then((free) => lock.acquire(true, 10_000).then((got) => { console.log("free at first " + free + ", got " + got); lock.release(); }));`;
    const run = spawnSync(process.execPath, ["-e", waiter], { cwd: root, encoding: "utf8", timeout: 15_000 });
    assert.equal(run.stdout, "free at first false, got true\n", run.stderr);
    assert.equal(run.status, 0);
    await holder.exited;
  } finally {
    fs.rmSync(lockPath, { force: true });
    fs.rmSync(`${lockPath}.owner`, { force: true });
    fs.rmSync(`${lockPath}.waiters`, { recursive: true, force: true });
  }
});
