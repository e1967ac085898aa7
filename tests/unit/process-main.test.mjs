// Main programs: how each way a main ends treats daemon and non-daemon children; orphans; supervise; no leaks.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { runMain, supervise, watchOrphan } from "proclab";
import { linuxExtras } from "proclab/core";

/** Starts a daemon and a non-daemon child, then ends as `mode` says (or waits to be killed). */
async function mainProgram(mode) {
  const { Process } = require("proclab");
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  const daemon = new Process({
    name: "daemon",
    daemon: true,
    target: async () => {
      console.log("daemon started");
      await new Promise((r) => setTimeout(r, 20000));
      console.log("daemon over");
    },
  });
  const child = new Process({
    name: "child",
    target: async () => {
      console.log("child started");
      await new Promise((r) => setTimeout(r, 600));
      console.log("child over");
    },
  });
  daemon.start();
  child.start();
  if (mode === "wait-to-be-killed") return pause(100000);
  await pause(300);
  console.log("main over");
  if (mode === "error") throw new Error("main failed");
}

function bothStarted() {
  const seen = new Set();
  return (event) => event.type === "print" && seen.add(event.data.text) && seen.has("daemon started\n") && seen.has("child started\n");
}

function summarise(transcript) {
  const byName = Object.fromEntries(transcript.lifetimes.map((l) => [l.name, l]));
  const said = (name, text) => transcript.lines.some((l) => l.name === name && l.text === `${text}\n`);
  return { byName, said };
}

test("main ends normally: its daemon child is terminated, its non-daemon child is waited for", async () => {
  const transcript = await runMain(mainProgram, { args: ["normal"], echo: false });
  const { byName, said } = summarise(transcript);
  assert.equal(transcript.exitCode, 0);
  assert.equal(byName.daemon.exitCode, -15);
  assert.equal(said("daemon", "daemon over"), false);
  assert.equal(byName.child.exitCode, 0);
  assert.equal(said("child", "child over"), true);
  assert.ok(byName.main.end >= byName.child.end, "main ends after its non-daemon child");
  assert.deepEqual(transcript.killedAtTimeout, []);
});

test("main ends by an uncaught error: exit code 1, same cleanup as a normal end", async () => {
  const transcript = await runMain(mainProgram, { args: ["error"], echo: false });
  const { byName, said } = summarise(transcript);
  assert.equal(transcript.exitCode, 1);
  assert.ok(transcript.lines.some((l) => l.name === "main" && l.stream === "stderr" && l.text.includes("Error: main failed")));
  assert.equal(byName.daemon.exitCode, -15);
  assert.equal(byName.child.exitCode, 0);
  assert.equal(said("child", "child over"), true);
  assert.ok(byName.main.end >= byName.child.end);
});

for (const [signal, code] of [
  ["SIGTERM", -15],
  ["SIGKILL", -9],
]) {
  test(`main killed by ${signal}: exit code ${code}, its daemon child dies with it, its non-daemon child lives on as an orphan`, async () => {
    const transcript = await runMain(mainProgram, { args: ["wait-to-be-killed"], echo: false, kill: { signal, when: bothStarted() } });
    const { byName, said } = summarise(transcript);
    assert.equal(transcript.exitCode, code);
    assert.equal(said("daemon", "daemon over"), false, "the daemon did not live out its 20 s");
    assert.notEqual(byName.daemon.end, null);
    assert.equal(said("child", "child over"), true, "the orphan finished its work");
    assert.ok(byName.child.end > byName.main.end, "the orphan outlived its parent");
    assert.equal(byName.child.ppids[0], transcript.pid);
    assert.ok(byName.child.ppids.length >= 2 && byName.child.ppids.at(-1) !== transcript.pid, "the orphan was adopted");
    assert.ok(transcript.events.some((e) => e.type === "parent-died" && e.name === "child"));
  });
}

test("watchOrphan shows the child's parent pid change when its parent is killed", async () => {
  const report = await watchOrphan({ childLifetimeMs: 50, echo: false });
  assert.equal(report.ppidBefore, report.parentPid);
  assert.notEqual(report.ppidAfter, report.parentPid);
  // The adopter's name comes from /proc/<pid>/comm; without /proc (macOS, PROCLAB_PORTABLE=1) it is null.
  if (linuxExtras) assert.equal(typeof report.adoptedBy, "string");
  else assert.equal(report.adoptedBy, null);
  assert.equal(report.transcript.exitCode, -9);
});

test("transcript lines of a tree are in time order across processes", async () => {
  const transcript = await runMain(
    async () => {
      const { Process } = require("proclab");
      const kids = [1, 2].map(
        (n) =>
          new Process({
            name: `kid${n}`,
            args: [n],
            target: async (n) => {
              for (let i = 0; i < 3; i++) {
                console.log(`kid${n} ${i}`);
                await new Promise((r) => setTimeout(r, 5));
              }
            },
          }),
      );
      kids.forEach((k) => k.start());
      console.log("main waiting");
    },
    { echo: false },
  );
  const times = transcript.lines.map((l) => l.t);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
  assert.equal(transcript.lines.length, 7);
  assert.deepEqual(transcript.lifetimes.map((l) => l.name).sort(), ["kid1", "kid2", "main"]);
});

test("runMain's main names its children Process-1, Process-2 like a Python main", async () => {
  const transcript = await runMain(
    () => {
      const { Process } = require("proclab");
      new Process({ target: () => {} }).start();
      new Process({ target: () => {} }).start();
    },
    { echo: false },
  );
  assert.deepEqual(transcript.lifetimes.map((l) => l.name).sort(), ["Process-1", "Process-2", "main"]);
});

test("runMain checks its timeoutMs like join(timeoutMs), before the main starts", async () => {
  let started = false;
  const stop = (await import("proclab/core")).onEvent((event) => {
    if (event.type === "spawn") started = true;
  });
  try {
    await assert.rejects(() => runMain(() => {}, { timeoutMs: -1, echo: false }), {
      name: "RangeError",
      message: "runMain(target, { timeoutMs }): timeoutMs must be 0 or more milliseconds (or left out to wait until the end), got -1",
    });
    await assert.rejects(() => runMain(() => {}, { timeoutMs: "5s", echo: false }), {
      name: "TypeError",
      message: 'runMain(target, { timeoutMs }): timeoutMs must be a number of milliseconds, got string "5s"',
    });
  } finally {
    stop();
  }
  assert.equal(started, false, "no main was started");
});

test("supervise restarts a crashing child with backoff until it runs clean, recording each restart", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-supervise-"));
  const counter = path.join(dir, "count");
  const report = await supervise(
    (file) => {
      const fs = require("node:fs");
      const runs = fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) + 1 : 1;
      fs.writeFileSync(file, String(runs));
      if (runs < 3) throw new Error(`crash ${runs}`);
    },
    { restarts: 5, backoffMs: 10, args: [counter], echo: false },
  );
  fs.rmSync(dir, { recursive: true });
  assert.deepEqual(
    report.runs.map((r) => r.exitCode),
    [1, 1, 0],
  );
  assert.equal(report.restarts, 2);
  assert.equal(report.gaveUp, false);
  assert.deepEqual(
    report.events.map((e) => [e.type, e.data.attempt, e.data.delayMs]),
    [
      ["restart", 1, 10],
      ["restart", 2, 20],
    ],
  );
  assert.equal(new Set(report.runs.map((r) => r.pid)).size, 3);
});

test("supervise gives up after the allowed restarts", async () => {
  const report = await supervise(() => process.exit(3), { restarts: 1, backoffMs: 1, echo: false });
  assert.deepEqual(
    report.runs.map((r) => r.exitCode),
    [3, 3],
  );
  assert.equal(report.gaveUp, true);
});

test("when a root dies (a notebook kernel killed), all its proclab descendants exit, daemon or not", async () => {
  const script = `
    const { Process } = require("proclab");
    const forever = () => new Promise(() => setInterval(() => {}, 1000));
    const kids = [new Process({ target: forever }), new Process({ target: forever, daemon: true }),
      new Process({ target: () => { const { Process } = require("proclab"); new Process({ target: () => new Promise(() => setInterval(() => {}, 1000)) }).start(); return new Promise(() => {}); } })];
    kids.forEach((k) => k.start());
    setTimeout(() => console.log(JSON.stringify(kids.map((k) => k.pid))), 1500);`;
  const root = spawn(process.execPath, ["-e", script], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  const pids = await new Promise((resolve) => root.stdout.once("data", (chunk) => resolve(JSON.parse(String(chunk)))));
  const grandchildren = fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ")[1] === String(pids[2]);
      } catch {
        return false;
      }
    })
    .map(Number);
  assert.equal(grandchildren.length, 1);
  const all = [...pids, ...grandchildren];
  assert.ok(all.every(running));
  root.kill("SIGKILL");
  for (let i = 0; i < 100 && all.some(running); i++) await sleep(20);
  assert.deepEqual(all.filter(running), []);
});

test("a plain script is a main too: when its code is done it waits for non-daemon children and ends its daemon children", async () => {
  const script = `
    const { Process } = require("proclab");
    const daemon = new Process({ daemon: true, target: () => new Promise(() => setInterval(() => {}, 1000)) });
    const child = new Process({ target: () => new Promise((r) => setTimeout(r, 400)) });
    daemon.start();
    child.start();
    console.log(JSON.stringify([daemon.pid, child.pid]));`;
  const root = spawn(process.execPath, ["-e", script], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  const pids = await new Promise((resolve) => root.stdout.once("data", (chunk) => resolve(JSON.parse(String(chunk)))));
  const code = await new Promise((resolve) => root.once("exit", resolve));
  assert.equal(code, 0);
  assert.equal(running(pids[1]), false, "the non-daemon child was waited for");
  for (let i = 0; i < 50 && running(pids[0]); i++) await sleep(20);
  assert.equal(running(pids[0]), false, "the daemon child ended with its main");
});

function running(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return false;
  }
}

// After every test of this file, whatever ran last: no process started by these tests is left running.
after(async () => {
  const marker = `proclab-${process.pid}-`;
  const stray = () =>
    fs
      .readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p) && running(p))
      .filter((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(marker);
        } catch {
          return false;
        }
      });
  for (let i = 0; i < 40 && stray().length > 0; i++) await sleep(50);
  assert.deepEqual(stray(), [], "stray processes left by these tests");
});
