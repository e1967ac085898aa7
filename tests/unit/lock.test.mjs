// Lock inside one process: Python's acquire/release semantics, withLock, events, transfer, bad paths.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { Lock } from "proclab";
import { onEvent, projectRoot, reviveTransferred, TRANSFER } from "proclab/core";

test("acquire/release follow Python: true when got, false non-blocking or timed out, error on a free lock", async () => {
  const lock = new Lock();
  assert.equal(lock.holder(), null);
  assert.equal(await lock.acquire(), true);
  assert.equal(lock.holder().pid, process.pid);
  assert.equal(await lock.acquire(false), false);
  assert.equal(await lock.acquire(true, 30), false);
  assert.equal(await lock.acquire(true, 0), false);
  lock.release();
  assert.equal(lock.holder(), null);
  assert.throws(() => lock.release(), /^Error: lock released too many times$/);
  assert.equal(await lock.acquire(false), true);
  lock.release();
});

test("acquire rejects bad arguments like Python", async () => {
  const lock = new Lock();
  await assert.rejects(lock.acquire(false, 10), /can't specify a timeout for a non-blocking call/);
  await assert.rejects(lock.acquire(true, -1), /timeoutMs must be a finite number >= 0, not -1/);
  await assert.rejects(lock.acquire("yes"), /blocking must be a boolean/);
  assert.equal(lock.holder(), null);
});

test("two tasks of one process exclude each other, and the waiting one gets it on release", async () => {
  const lock = new Lock();
  assert.equal(await lock.acquire(), true);
  let second = false;
  const waiting = lock.acquire().then((got) => (second = got));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(second, false, "the second task must wait while the first holds the lock");
  lock.release();
  assert.equal(await waiting, true);
  lock.release();
});

test("Lock objects for the same path share one lock; a second process-local object may release it", async () => {
  const a = new Lock();
  const b = new Lock(a.path);
  assert.equal(await a.acquire(), true);
  assert.equal(await b.acquire(false), false);
  b.release();
  assert.equal(await a.acquire(false), true);
  a.release();
});

test("withLock returns fn's value and releases the lock also when fn throws", async () => {
  const lock = new Lock();
  assert.equal(await lock.withLock(() => 42), 42);
  assert.equal(lock.holder(), null);
  await assert.rejects(
    lock.withLock(async () => {
      throw new Error("boom inside");
    }),
    /boom inside/,
  );
  assert.equal(lock.holder(), null);
  assert.equal(await lock.acquire(false), true);
  lock.release();
});

test("acquire and release record requested, acquired (waitedMs) and released (heldMs) events", async () => {
  const lock = new Lock();
  const events = [];
  const stop = onEvent((e) => e.type.startsWith("lock-") && e.data.lock === lock.path && events.push(e));
  await lock.acquire();
  const waiter = lock.acquire();
  await new Promise((resolve) => setTimeout(resolve, 20));
  lock.release();
  await waiter;
  lock.release();
  stop();
  assert.deepEqual(
    events.map((e) => e.type),
    ["lock-requested", "lock-acquired", "lock-requested", "lock-released", "lock-acquired", "lock-released"],
  );
  const [, , , firstRelease, secondAcquire] = events;
  assert.ok(firstRelease.data.heldMs >= 15, `held ~20 ms, got ${firstRelease.data.heldMs}`);
  assert.ok(secondAcquire.data.waitedMs >= 15, `waited ~20 ms, got ${secondAcquire.data.waitedMs}`);
  assert.ok(secondAcquire.t >= firstRelease.t);
  for (const e of events) assert.equal(e.pid, process.pid);
});

test("a Lock travels as its path and is revived as a usable Lock on the same file", async () => {
  const lock = new Lock();
  const wire = lock[TRANSFER]();
  assert.deepEqual(wire, { kind: "Lock", module: path.join(projectRoot, "dist", "lock", "lock.js"), state: { path: lock.path } });
  const revived = reviveTransferred({ $proclab: wire.kind, module: wire.module, state: wire.state });
  assert.equal(revived.path, lock.path);
  assert.equal(await lock.acquire(), true);
  assert.equal(await revived.acquire(false), false);
  revived.release();
  assert.throws(
    () => reviveTransferred({ $proclab: "Lock", state: { path: 7 } }),
    /cannot revive from \{"path":7\}: expected \{ path: string \}/,
  );
});

test("a lock in a missing folder, or at a folder's path, fails at once, naming the path", () => {
  const missing = path.join(os.tmpdir(), `proclab-missing-${process.pid}`, "sub");
  assert.throws(() => new Lock(path.join(missing, "x")), new RegExp(`Lock: folder "${missing}" does not exist`));
  assert.throws(() => new Lock(""), /path must be a non-empty string/);
  assert.throws(() => new Lock(os.tmpdir()), /Lock: cannot create the lock files at ".*" \(EISDIR\); expected a file path, not a folder/);
});

test("a lock in an unwritable folder fails at once with a clear error, not a hang", () => {
  // sysfs refuses new files to everyone, root included (a chmod would not stop root); elsewhere, a read-only folder.
  const sysfs = fs.existsSync("/sys/kernel") ? "/sys/kernel" : null;
  const dir = sysfs ?? fs.mkdtempSync(path.join(os.tmpdir(), "proclab-ro-"));
  if (!sysfs) fs.chmodSync(dir, 0o555);
  try {
    assert.throws(
      () => new Lock(path.join(dir, "x")),
      /Lock: cannot create the lock files at ".*\/x" \(EACCES\); expected a writable folder/,
    );
  } finally {
    if (!sysfs) fs.rmSync(dir, { recursive: true, force: true });
  }
});
