// Process: Python's multiprocessing.Process API, exit codes, errors, args, output.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Lock, Process, now } from "proclab";
import { projectRoot } from "proclab/core";
import { WorkerPool } from "proclab/process";

const TRANSFER = Symbol.for("proclab.transfer");

/** Pids of running processes whose command line points at this process's collector. */
function strayProcesses() {
  const marker = `proclab-${process.pid}-`;
  return fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        if (stat.charAt(stat.lastIndexOf(")") + 2) === "Z") return false;
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
      } catch {
        return false;
      }
    });
}

async function assertNoStrayProcesses() {
  for (let i = 0; i < 40 && strayProcesses().length > 0; i++) await sleep(50);
  const stray = strayProcesses();
  if (stray.length > 0) throw new Error(`stray proclab processes still running: ${stray.join(", ")}`);
}

const sleepForever = () => new Promise(() => setTimeout(() => {}, 1e9));

// After every test of this file, whatever ran last: no child of this process is left running.
after(assertNoStrayProcesses);

test("a process runs its target with copied args; pid, name and exitCode follow Python", async () => {
  const p = new Process({ target: (a, b) => console.log(`sum ${a + b.n}`), args: [2, { n: 3 }], echo: false });
  assert.equal(p.pid, null);
  assert.equal(p.exitCode, null);
  assert.match(p.name, /^Process-\d+$/);
  p.start();
  assert.equal(typeof p.pid, "number");
  await p.join();
  assert.equal(p.exitCode, 0);
  assert.equal(p.isAlive(), false);
  assert.deepEqual(
    p.events.filter((e) => e.type === "print").map((e) => e.data.text),
    ["sum 5\n"],
  );
  assert.deepEqual(
    p.events
      .filter((e) => e.type !== "print")
      .map((e) => e.type)
      .sort(),
    ["end", "exit", "start"],
  );
});

test("default names count up like Python: Process-N", () => {
  const a = new Process({ target: () => {} });
  const b = new Process({ target: () => {} });
  assert.equal(Number(b.name.split("-")[1]), Number(a.name.split("-")[1]) + 1);
});

test("exit codes: 0, the exit number, 1 after an uncaught error, -15 after terminate, -9 after kill", async () => {
  const normal = new Process({ target: () => {}, echo: false });
  const exits = new Process({ target: () => process.exit(7), echo: false });
  const throws = new Process({
    target: async () => {
      throw new Error("boom");
    },
    echo: false,
  });
  const terminated = new Process({ target: sleepForever, echo: false });
  const killed = new Process({ target: sleepForever, echo: false });
  for (const p of [normal, exits, throws, terminated, killed]) p.start();
  await Promise.all([normal, exits, throws].map((p) => p.join()));
  assert.equal(terminated.isAlive(), true);
  assert.equal(terminated.exitCode, null);
  terminated.terminate();
  killed.kill();
  await Promise.all([terminated.join(), killed.join()]);
  assert.deepEqual(
    [normal, exits, throws, terminated, killed].map((p) => p.exitCode),
    [0, 7, 1, -15, -9],
  );
  assert.match(throws.error, /Error: boom/);
});

test("join(timeout) returns while the process still runs, like Python", async () => {
  const p = new Process({ target: sleepForever, echo: false });
  p.start();
  await p.join(50);
  assert.equal(p.isAlive(), true);
  assert.equal(p.exitCode, null);
  p.kill();
  await p.join();
  assert.equal(p.exitCode, -9);
});

test("errors: start twice, daemon after start, join before start", async () => {
  const p = new Process({ target: () => {}, echo: false });
  await assert.rejects(() => p.join(), /can only join a started process/);
  p.start();
  assert.throws(() => p.start(), /process has already started/);
  assert.throws(() => {
    p.daemon = true;
  }, /process has already started/);
  await p.join();
  assert.throws(() => new Process({ target: 42 }).start(), /target must be a function or \{ module, export \}, got number/);
});

test("wrong option types raise a TypeError naming the option, the type it takes and the value given", () => {
  const target = () => {};
  const cases = [
    [{ target, name: 42 }, /^new Process\(options\): name must be a string, got number 42$/],
    [{ target, daemon: "yes" }, /^new Process\(options\): daemon must be a boolean \(true or false\), got string "yes"$/],
    [{ target, echo: 1 }, /^new Process\(options\): echo must be a boolean \(true or false\), got number 1$/],
    [{ target, args: 5 }, /^new Process\(options\): args must be an array, got number 5$/],
    [{ target, args: "ab" }, /^new Process\(options\): args must be an array, got string "ab"$/],
    [{ target: 42 }, /^new Process\(options\): target must be a function or \{ module, export \}, got number 42$/],
    [{}, /^new Process\(options\): target must be a function or \{ module, export \}, got undefined$/],
    [{ target: "f" }, /target must be a function or \{ module, export \}, got string "f"$/],
    [
      { target: { module: 7, export: "f" } },
      /^new Process\(options\): target\.module must be a string \(an absolute path or a package name\), got number 7$/,
    ],
    [
      { target: { module: "m" } },
      /^new Process\(options\): target\.export must be a string \(the name of an exported function\), got undefined$/,
    ],
    [{ target, deamon: true }, /^new Process\(options\): unknown option "deamon"; the options are target, args, name, daemon, echo$/],
    [42, /^new Process\(options\): expected \{ target, args\?, name\?, daemon\?, echo\? \}, got number 42$/],
    [undefined, /^new Process\(options\): expected \{ target, args\?, name\?, daemon\?, echo\? \}, got undefined$/],
  ];
  for (const [options, message] of cases)
    assert.throws(() => new Process(options), { name: "TypeError", message }, JSON.stringify(options));
  // Left out (or null, Python's None), an option takes its default, as before.
  const p = new Process({ target, args: undefined, name: undefined, daemon: null, echo: undefined });
  assert.deepEqual([p.args, p.daemon, /^Process-\d+$/.test(p.name)], [[], false, true]);
  // The setters check too (Python's name setter: "name must be a string").
  assert.throws(
    () => {
      p.daemon = "yes";
    },
    { name: "TypeError", message: `cannot set daemon of ${p.name}: daemon must be a boolean (true or false), got string "yes"` },
  );
  assert.throws(
    () => {
      p.name = 42;
    },
    { name: "TypeError", message: `cannot set name of ${p.name}: name must be a string, got number 42` },
  );
  p.daemon = true;
  p.name = "renamed";
  assert.deepEqual([p.daemon, p.name], [true, "renamed"]);
});

test("join(timeout) takes a number of milliseconds >= 0; terminate() and kill() need a started process, like Python", async () => {
  const p = new Process({ target: () => {}, echo: false, name: "joiner" });
  assert.throws(() => p.terminate(), { name: "Error", message: "cannot terminate joiner: it was not started (call start() first)" });
  assert.throws(() => p.kill(), { name: "Error", message: "cannot kill joiner: it was not started (call start() first)" });
  assert.equal(p.isAlive(), false);
  await assert.rejects(() => p.join("abc"), {
    name: "TypeError",
    message: 'joiner.join(timeoutMs): timeoutMs must be a number of milliseconds, got string "abc"',
  });
  await assert.rejects(() => p.join(-1), {
    name: "RangeError",
    message: "joiner.join(timeoutMs): timeoutMs must be 0 or more milliseconds (or left out to wait until the end), got -1",
  });
  await assert.rejects(() => p.join(NaN), { name: "RangeError", message: /got NaN$/ });
  await assert.rejects(() => p.join(), /can only join a started process \(joiner was not started\)/);
  p.start();
  await p.join(Infinity); // waits until the end (not the 1 ms a setTimeout of Infinity would give)
  assert.equal(p.exitCode, 0);
  await p.join(null); // Python's None: no timeout
  p.terminate(); // after the end: nothing to do, like Python
  p.kill();
  assert.equal(p.exitCode, 0);
});

test("a daemon process may not start children", async () => {
  const d = new Process({
    daemon: true,
    echo: false,
    target: () => {
      const { Process } = require("proclab");
      new Process({ target: () => {} }).start();
    },
  });
  d.start();
  await d.join();
  assert.equal(d.exitCode, 1);
  assert.match(d.error, /daemonic processes are not allowed to have children/);
});

test("a target using a parent's variable gets the fresh-process rule explained", async () => {
  const secret = 42;
  const p = new Process({ target: () => console.log(secret), echo: false });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 1);
  assert.match(p.error, /ReferenceError: secret is not defined/);
  assert.match(p.error, /fresh process/);
  assert.match(p.error, /Pass values through args/);
});

test("a TypeScript import binding (proclab_1) is recognised and the require() form suggested", async () => {
  // What tslab compiles `import { sleep } from "proclab"; … sleep(10)` into.
  const target = new Function("return async () => { await (0, proclab_1.sleep)(10); }")();
  const p = new Process({ target, echo: false });
  p.start();
  await p.join();
  assert.match(p.error, /"proclab_1" is how TypeScript compiled an import/);
  assert.match(p.error, /const \{ … \} = require\("proclab"\)/);
});

test("a notebook variable from an earlier cell (tslab's exports.x) is a ReferenceError in the child, not undefined", async () => {
  // tslab compiles a reference to an earlier cell's `limit` as `exports.limit`.
  const target = new Function("return () => { console.log(exports.limit); }")();
  const p = new Process({ target, echo: false });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 1);
  assert.match(p.error, /ReferenceError: limit is not defined/);
  assert.match(p.error, /fresh process/);
});

test("targets may require() the library and Node modules, and be async", async () => {
  const p = new Process({
    echo: false,
    target: async () => {
      const { sleep } = require("proclab");
      const os = require("node:os");
      await sleep(5);
      console.log(typeof os.cpus);
    },
  });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 0);
  assert.equal(p.events.find((e) => e.type === "print").data.text, "function\n");
});

test("a module target runs an exported function; a missing export is a clear error", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-process-"));
  const file = path.join(dir, "task.js");
  fs.writeFileSync(file, "exports.greet = (who) => console.log(`hello ${who}`);\n");
  const ok = new Process({ target: { module: file, export: "greet" }, args: ["module"], echo: false });
  const missing = new Process({ target: { module: file, export: "nope" }, echo: false });
  ok.start();
  missing.start();
  await Promise.all([ok.join(), missing.join()]);
  fs.rmSync(dir, { recursive: true });
  assert.equal(ok.events.find((e) => e.type === "print").data.text, "hello module\n");
  assert.match(missing.error, /has no exported function "nope"/);
  assert.throws(
    () => new Process({ target: { module: "no-such-package-xyz", export: "f" } }).start(),
    /target module "no-such-package-xyz" not found/,
  );
});

test("args that cannot be copied are rejected before start, naming the arg", async () => {
  const net = await import("node:net");
  const socket = new net.Socket();
  const cases = [
    [[1, () => {}], /args\[1\] is a function/],
    [[{ nested: { cb: function handler() {} } }], /args\[0\]\.nested\.cb is a function \(handler\)/],
    [[Symbol("s")], /args\[0\] is a symbol/],
    [[socket], /args\[0\] is a Socket: open sockets/],
    [[new WeakMap()], /args\[0\] cannot be copied to a child process/],
  ];
  for (const [args, message] of cases) {
    const p = new Process({ target: () => {}, args });
    assert.throws(() => p.start(), message);
    assert.equal(p.pid, null);
  }
  socket.destroy();
});

test("transferable args travel as { $proclab: kind, module } and are revived in the child by that module", async () => {
  const unknown = {
    [TRANSFER]: () => ({ kind: "NoSuchKind", module: path.join(projectRoot, "dist", "core", "clock.js"), state: { x: 1 } }),
  };
  const p = new Process({ target: () => {}, args: [unknown], echo: false });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 1);
  assert.match(p.error, /cannot revive a transferred "NoSuchKind": \S+clock\.js registers no reviver for it/);
  // Without the module that revives it, it cannot travel: said before any process starts.
  const moduleless = { [TRANSFER]: () => ({ kind: "NoSuchKind", state: { x: 1 } }) };
  assert.throws(
    () => new Process({ target: () => {}, args: [moduleless] }).start(),
    /args\[0\] cannot be copied to a child process: \[TRANSFER\]\(\) must return \{ kind, module, state \}/,
  );
});

test("a child handed a Lock loads the lock, not the whole library (no barrel, plots or homework)", async () => {
  const pool = new WorkerPool({ size: 1 });
  await pool.start();
  try {
    const [result] = await pool.run([
      { target: (lock) => ({ held: typeof lock.acquire, loaded: Object.keys(require("node:module")._cache) }), args: [new Lock()] },
    ]);
    assert.equal(result.ok, true, result.error);
    assert.equal(result.value.held, "function");
    const loaded = result.value.loaded.map((file) => path.relative(path.join(projectRoot, "dist"), file));
    assert.ok(loaded.includes(path.join("lock", "lock.js")), loaded.join(", "));
    assert.deepEqual(
      loaded.filter((file) => file === "index.js" || /^(plots|homework|grading|tickets|experiments)\b/.test(file)),
      [],
    );
  } finally {
    await pool.close();
  }
});

test("a child's output comes back in order and is echoed, prefixed, before join resolves", async () => {
  const printed = [];
  const original = console.log;
  console.log = (line) => printed.push(line);
  try {
    const p = new Process({
      name: "talker",
      target: async () => {
        for (let i = 0; i < 5; i++) {
          console.log(`line ${i}`);
          await new Promise((r) => setTimeout(r, 2));
        }
        process.stdout.write("last\n");
      },
    });
    p.start();
    await p.join();
  } finally {
    console.log = original;
  }
  assert.deepEqual(printed, [
    "[talker] line 0",
    "[talker] line 1",
    "[talker] line 2",
    "[talker] line 3",
    "[talker] line 4",
    "[talker] last",
  ]);
});

test("flushing the echo prints every queued line at once, whatever its time stamp", async () => {
  const { echoEvent, flushEcho } = await import("../../dist/process/echo.js");
  const printed = [];
  const original = console.log;
  console.log = (line) => printed.push(line);
  try {
    // Stamped a little ahead of Date.now(): the shared clock is fractional and set apart from the wall clock.
    echoEvent({ t: now() + 5, pid: 1, name: "a", type: "print", data: { text: "from a\n" } });
    flushEcho();
  } finally {
    console.log = original;
  }
  assert.deepEqual(printed, ["[a] from a"]);
});
