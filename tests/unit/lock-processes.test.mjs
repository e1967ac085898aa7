// Lock across processes: exclusion under contention, release by another process, children given
// the lock in args, a holder killed with SIGKILL (recovered), a live but blocked holder (not robbed).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
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
  "PROCLAB_LOCK_STATE_DIR moves a lock's state: next-to-file puts it beside the file; a relative or unusable folder is named in the error",
  { timeout: 30_000 },
  () => {
    const dir = fs.mkdtempSync(path.join(root, "build", "lock-state-"));
    try {
      const lockPath = path.join(dir, "beside");
      const code = `const lock = new (require("proclab").Lock)(${JSON.stringify(lockPath)});
      lock.acquire().then(() => { console.log(require("fs").readdirSync(${JSON.stringify(dir)}).sort().join(" ")); lock.release(); });`;
      const env = { ...process.env, PROCLAB_LOCK_STATE_DIR: "next-to-file" };
      const beside = spawnSync(process.execPath, ["-e", code], { cwd: root, encoding: "utf8", timeout: 20_000, env });
      assert.equal(beside.stdout, "beside beside.lock beside.wait\n", beside.stderr);

      const notAFolder = path.join(dir, "a-file");
      fs.writeFileSync(notAFolder, "");
      const bad = spawnSync(
        process.execPath,
        ["-e", `try { new (require("proclab").Lock)(${JSON.stringify(lockPath)}); } catch (e) { console.log(e.message); }`],
        {
          cwd: root,
          encoding: "utf8",
          timeout: 20_000,
          env: { ...process.env, PROCLAB_LOCK_STATE_DIR: notAFolder },
        },
      );
      const relative = spawnSync(
        process.execPath,
        ["-e", `try { new (require("proclab").Lock)(${JSON.stringify(lockPath)}); } catch (e) { console.log(e.message); }`],
        {
          cwd: root,
          encoding: "utf8",
          timeout: 20_000,
          env: { ...process.env, PROCLAB_LOCK_STATE_DIR: "build/locks" },
        },
      );
      assert.equal(relative.stdout, `Lock: PROCLAB_LOCK_STATE_DIR must be an absolute folder or "next-to-file", not "build/locks"\n`);
      assert.match(
        bad.stdout,
        /cannot create the lock's state in ".*a-file" \((EEXIST|ENOTDIR)\); expected a writable folder, or set PROCLAB_LOCK_STATE_DIR to one/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("the state folder's sweep removes what killed processes left there, never a live holder's lock", { timeout: 30_000 }, async () => {
  const stateDir = fs.mkdtempSync(path.join(root, "build", "lock-sweep-"));
  const lockDir = fs.mkdtempSync(path.join(root, "build", "lock-sweep-files-"));
  const env = { ...process.env, PROCLAB_LOCK_STATE_DIR: stateDir };
  const run = (code) => spawnSync(process.execPath, ["-e", code], { cwd: root, encoding: "utf8", timeout: 20_000, env });
  try {
    // A live holder (a child that holds until told) of one lock, and a lock whose holder was SIGKILLed.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const lock = new (require("proclab").Lock)(${JSON.stringify(path.join(lockDir, "live"))});
      lock.acquire().then(() => console.log("holding")); process.stdin.on("data", () => process.exit(0));`,
      ],
      { cwd: root, env, stdio: ["pipe", "pipe", "inherit"] },
    );
    started.add(holder);
    await new Promise((resolve) => holder.stdout.once("data", resolve));
    // It also waits for the live holder's lock, so its FIFO is left in that lock's queue.
    const killed = spawn(
      process.execPath,
      [
        "-e",
        `const { Lock } = require("proclab");
      const lock = new Lock(${JSON.stringify(path.join(lockDir, "dead"))});
      lock.acquire().then(() => { new Lock(${JSON.stringify(path.join(lockDir, "live"))}).acquire(); setTimeout(() => console.log("holding"), 100); });`,
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] },
    );
    started.add(killed);
    await new Promise((resolve) => killed.stdout.once("data", resolve));
    killed.kill("SIGKILL");
    await new Promise((resolve) => killed.once("exit", resolve));
    const before = fs.readdirSync(stateDir).sort();
    assert.ok(
      before.some((n) => n.startsWith("dead-") && n.endsWith(".lock")),
      `dead holder's lock directory left: ${before}`,
    );
    const liveQueue = path.join(
      stateDir,
      before.find((n) => n.startsWith("live-") && n.endsWith(".wait")),
    );
    assert.ok(
      fs.readdirSync(liveQueue).some((n) => n.startsWith("q-")),
      "the killed waiter's FIFO is left in the live lock's queue",
    );

    // Make the dead holder's lock a minute old (its marker's time) and the last sweep too.
    const deadLock = path.join(
      stateDir,
      before.find((n) => n.startsWith("dead-") && n.endsWith(".lock")),
    );
    const [marker] = fs.readdirSync(deadLock);
    fs.renameSync(path.join(deadLock, marker), path.join(deadLock, marker.replace(/-[\d.]+$/, `-${(Date.now() - 120_000).toFixed(3)}`)));
    fs.writeFileSync(path.join(stateDir, ".swept"), "");
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(path.join(stateDir, ".swept"), old, old);

    const swept = run(`new (require("proclab").Lock)(${JSON.stringify(path.join(lockDir, "other"))}); console.log("opened");`);
    assert.equal(swept.stdout, "opened\n", swept.stderr);
    const after = fs.readdirSync(stateDir).sort();
    assert.deepEqual(
      after.filter((n) => n.startsWith("dead-")),
      [],
      `dead holder's state swept: ${after}`,
    );
    assert.ok(
      after.some((n) => n.startsWith("live-") && n.endsWith(".lock")),
      `live holder's lock kept: ${after}`,
    );
    assert.ok(!fs.existsSync(liveQueue), "the dead waiter's FIFO is gone, and with it the empty queue folder");
    const check = run(`const lock = new (require("proclab").Lock)(${JSON.stringify(path.join(lockDir, "live"))});
      lock.acquire(false).then((got) => console.log("got " + got + ", holder " + lock.holder()?.pid));`);
    assert.equal(check.stdout, `got false, holder ${holder.pid}\n`, check.stderr);

    holder.stdin.write("done\n");
    await new Promise((resolve) => holder.once("exit", resolve));
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
});

test("processes that exit remove their lock's state from the state folder", { timeout: 30_000 }, async () => {
  const stateDir = fs.mkdtempSync(path.join(root, "build", "lock-leave-"));
  const lockPath = `${stateDir}-file`;
  try {
    const code = `const { Lock } = require("proclab"); const lock = new Lock(${JSON.stringify(lockPath)});
      (async () => { await lock.acquire(); setTimeout(() => lock.release(), 50); await lock.acquire(); lock.release(); })();`;
    const env = { ...process.env, PROCLAB_LOCK_STATE_DIR: stateDir };
    const two = [0, 1].map(() => spawn(process.execPath, ["-e", code], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] }));
    const codes = await Promise.all(two.map((p) => new Promise((resolve) => p.once("exit", resolve))));
    assert.deepEqual(codes, [0, 0]);
    assert.deepEqual(
      fs.readdirSync(stateDir).filter((n) => !n.startsWith(".")),
      [],
    );
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(lockPath, { force: true });
  }
});

test("a wait that cannot join the queue rejects with the cause, and leaves no waiter behind to take the lock", { timeout: 30_000 }, () => {
  const lockPath = path.join(root, "build", `lock-no-fifo-${process.pid}`);
  try {
    // Without mkfifo on the PATH, this process cannot make the FIFO it would wait on.
    const code = `const { Lock } = require("proclab");
      const lock = new Lock(${JSON.stringify(lockPath)});
      lock.acquire().then(async () => {
        process.env.PATH = "/nonexistent";
        await lock.acquire(true, 20_000).then((got) => console.log("got " + got), (e) => console.log("rejected: " + e.message));
        lock.release();
        await new Promise((resolve) => setTimeout(resolve, 100)); // a poll tick: a waiter left behind would take the lock
        console.log("free after: " + (await lock.acquire(false)));
        lock.release();
      });`;
    const started = Date.now();
    const run = spawnSync(process.execPath, ["-e", code], { cwd: root, encoding: "utf8", timeout: 15_000 });
    assert.match(run.stdout, /^rejected: Lock: cannot create a FIFO at ".*": spawnSync mkfifo ENOENT\nfree after: true\n$/, run.stderr);
    assert.equal(run.status, 0);
    assert.ok(Date.now() - started < 10_000, "exited at once, not after the 20 s timeout");
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
});
