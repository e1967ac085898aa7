// core/: pid liveness (one answer for the library), JSON lines, and the command-line parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { isAlive, isRunning, linuxExtras, projectRoot, selfIdentity } from "proclab/core";

const dist = path.join(projectRoot, "dist");
/** Facts only /proc can tell; without it (macOS, PROCLAB_PORTABLE=1) a pid that exists runs. */
const linuxOnly = linuxExtras ? false : "needs /proc (Linux, without PROCLAB_PORTABLE)";

test("isRunning: this process runs; an ended pid does not", () => {
  assert.equal(isRunning(process.pid), true);
  assert.equal(isRunning(0), false);
  assert.equal(isRunning(-1), false);
  const ended = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
  assert.equal(isRunning(Number(ended.stdout)), false);
});

test("isRunning: a zombie does not run", { skip: linuxOnly }, async () => {
  // bash starts `sleep 0` in the background, then becomes `sleep 2`, which never reaps it: a zombie.
  const parent = spawn("bash", ["-c", "sleep 0 & echo $!; exec sleep 2"], { stdio: ["ignore", "pipe", "ignore"] });
  const zombie = Number(await new Promise((resolve) => parent.stdout.once("data", resolve)));
  await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    assert.equal(isRunning(zombie), false, "a zombie has ended: it only waits to be reaped");
    assert.equal(isRunning(parent.pid), true);
  } finally {
    parent.kill("SIGKILL");
  }
});

test("isAlive: this process is alive; with its start unknown, the pid decides", () => {
  const me = selfIdentity();
  assert.equal(isAlive(me), true);
  assert.equal(isAlive({ pid: me.pid, start: 0 }), true, "start unknown: the pid decides");
  if (!linuxExtras) assert.equal(me.start, 0, "without /proc the start time is unknown");
});

test("isAlive tells a process from a newcomer that got its pid (start time differs)", { skip: linuxOnly }, () => {
  const me = selfIdentity();
  assert.notEqual(me.start, 0);
  assert.equal(isAlive({ pid: me.pid, start: me.start + 1 }), false);
});

test("JSON lines: messages split anywhere across chunks arrive whole, in order; blank lines are skipped", async () => {
  const { readJsonLines, writeJsonLine } = await import(path.join(dist, "core", "lines.js"));
  const stream = new PassThrough();
  const got = [];
  readJsonLines(stream, (message) => got.push(message));
  const text = `${JSON.stringify({ a: 1, s: "x\ny" })}\n\n${JSON.stringify("go")}\n`;
  for (const piece of [text.slice(0, 5), text.slice(5, 17), text.slice(17)]) stream.write(piece);
  writeJsonLine(stream, [1, 2]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got, [{ a: 1, s: "x\ny" }, "go", [1, 2]]);
});

test("JSON lines: a half-written last line and a line that is not JSON are dropped; the stream's errors stay with its owner", async () => {
  const { readJsonLines } = await import(path.join(dist, "core", "lines.js"));
  const stream = new PassThrough();
  const got = [];
  readJsonLines(stream, (message) => got.push(message));
  let ownerSaw = null;
  stream.on("error", (error) => (ownerSaw = error.message));
  stream.write(`${JSON.stringify({ n: 1 })}\nnot json\n{"n": 2, "unfinish`);
  stream.end();
  await new Promise((resolve) => stream.once("end", resolve));
  assert.deepEqual(got, [{ n: 1 }]);
  const broken = new PassThrough();
  readJsonLines(broken, () => undefined);
  broken.on("error", (error) => (ownerSaw = error.message));
  broken.destroy(new Error("ECONNRESET"));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ownerSaw, "ECONNRESET", "the owner's error handler gets it; nothing is thrown elsewhere");
});

test("command line: flags and positionals in any order, typed values, errors that name the flag", async () => {
  const { parseCommandLine } = await import(path.join(dist, "cli", "args.js"));
  const specs = {
    json: { type: "boolean", help: "" },
    seed: { type: "integer", help: "" },
    think: { type: "number", help: "" },
    out: { type: "string", help: "" },
  };
  assert.deepEqual(parseCommandLine(["--json", "a.ipynb", "--seed", "7", "b", "--think=-2.5"], specs), {
    values: { json: true, seed: 7, think: -2.5 },
    positionals: ["a.ipynb", "b"],
  });
  assert.deepEqual(parseCommandLine(["--", "--json"], specs).positionals, ["--json"]);
  const bad = [
    [["--seed", "1.5"], /--seed must be an integer, got "1.5"/],
    [["--seed"], /--seed needs a value \(integer\)/],
    [["--out", "--json"], /--out needs a value \(string\)/],
    [["--json=yes"], /--json takes no value, got "yes"/],
    [["--seed", "1", "--seed", "2"], /--seed given twice/],
    [["--nope"], /unknown flag --nope; expected one of --json, --seed, --think, --out/],
    [["-j"], /unknown flag -j/],
  ];
  for (const [argv, message] of bad) assert.throws(() => parseCommandLine(argv, specs), message, argv.join(" "));
});

test("proclab grade takes its flags before or after the submission", () => {
  const cli = path.join(dist, "cli.js");
  for (const argv of [
    ["grade", "--json", "missing.ipynb"],
    ["grade", "missing.ipynb", "--json"],
  ]) {
    const run = spawnSync(process.execPath, [cli, ...argv], { encoding: "utf8" });
    assert.equal(run.status, 2, argv.join(" "));
    assert.match(run.stderr, /no such submission: missing\.ipynb/);
  }
});
