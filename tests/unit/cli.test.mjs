// `proclab rush`: good flags give one JSON object on stdout (progress on stderr) or a table;
// bad flags exit non-zero naming the flag, before db.json is touched.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "proclab/core";

const cli = path.join(projectRoot, "dist", "cli.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-cli-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const proclab = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 60_000 });

test("rush --json prints exactly one JSON object {config, trials, summary} on stdout", () => {
  const db = path.join(dir, "json.json");
  const run = proclab(
    "rush",
    "--buyers",
    "7",
    "--tickets",
    "1",
    "--strategy",
    "none",
    "--trials",
    "3",
    "--think",
    "10",
    "--seed",
    "1",
    "--json",
    "--db",
    db,
  );
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(result), ["config", "trials", "summary"]);
  assert.deepEqual(
    [result.config.buyers, result.config.tickets, result.config.strategy, result.config.thinkMs, result.config.seed],
    [7, 1, "none", 10, 1],
  );
  assert.equal(result.trials.length, 3);
  for (const trial of result.trials)
    assert.deepEqual(Object.keys(trial), ["sold", "left", "oversold", "tornReads", "corrupt", "elapsedMs"]);
  assert.equal(result.summary.trials, 3);
  assert.match(run.stderr, /rush none: trial 3\/3/, "progress goes to stderr");
  assert.equal(run.stdout.trim().split("\n").length, 1);
});

test("rush without --json prints a readable strategy table", () => {
  const run = proclab("rush", "--strategy", "lock", "--trials", "2", "--db", path.join(dir, "table.json"));
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /strategy\s+buyers\s+tickets\s+trials\s+oversold trials\s+mean oversold\s+torn reads\s+corrupt\s+ms\/trial/);
  assert.match(run.stdout, /^lock\s+7\s+1\s+2\s+0\s+0\.00\s+0\s+0\s+[\d.]+$/m);
});

const bad = [
  [["--strategy", "mutex"], /--strategy: unknown strategy "mutex"; expected one of none, join, seed-lock, lock, coarse/],
  [["--buyers", "0"], /--buyers: must be an integer from 1 to 64, got 0/],
  [["--buyers", "many"], /--buyers must be an integer, got "many"/],
  [["--buyers", "100000"], /--buyers: must be an integer from 1 to 64/],
  [["--tickets", "-1"], /--tickets: must be an integer from 0/],
  [["--trials", "0"], /--trials: must be an integer from 1/],
  [["--think", "-3"], /--think: must be a number of milliseconds/],
  [["--trials"], /--trials needs a value/],
  [["--frobnicate", "1"], /unknown flag --frobnicate; expected one of --buyers/],
  [["--json=yes"], /--json takes no value/],
];
for (const [args, message] of bad) {
  test(`rush ${args.join(" ")} exits 2 naming the flag, without touching db.json`, () => {
    const db = path.join(dir, "never.json");
    const run = proclab("rush", ...args, "--db", db);
    assert.equal(run.status, 2);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, "");
    assert.equal(fs.existsSync(db), false);
  });
}

test("proclab without a known command lists the commands and fails", () => {
  const run = proclab("fly");
  assert.equal(run.status, 2);
  assert.match(run.stderr, /unknown command "fly"/);
  assert.match(run.stderr, /rush\s+run the ticket rush/);
  const help = proclab("rush", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--strategy <string>\s+none \| join \| seed-lock \| lock \| coarse/);
});

// Path flags are checked before any work: one line naming the flag and what was expected, exit 2,
// db.json untouched, nothing left behind, a FIFO left a FIFO. (No device such as /dev/null here:
// run as root, a regression would replace it with a regular file. The FIFO takes the same path.)
const paths = fs.mkdtempSync(path.join(dir, "paths-"));
fs.mkdirSync(path.join(paths, "folder"));
spawnSync("mkfifo", [path.join(paths, "fifo")]);
const inPaths = (name) => path.join(paths, name);
for (const [args, message] of [
  [
    ["--db", inPaths("folder")],
    /^proclab rush: --db: .*folder is a folder; expected the ticket database \(a file path, e\.g\. .*folder\/db\.json\)\n$/,
  ],
  [["--db", inPaths("fifo")], /^proclab rush: --db: .*fifo is a FIFO \(named pipe\); expected the ticket database, a regular file/],
  [["--db", "/proc/db.json"], /^proclab rush: --db: \/proc\/db\.json is on \/proc, the kernel's virtual file system/],
  [["--db", "/proc/self/status"], /^proclab rush: --db: \/proc\/self\/status is on \/proc/],
  [["--db", inPaths("missing/db.json")], /^proclab rush: --db: folder .*missing does not exist; create it first/],
  [["--db", ""], /^proclab rush: --db: must be a file path, got ""\n$/],
  [["--db", inPaths("db.json"), "--record", inPaths("folder")], /^proclab rush: --record: .*folder is a folder; expected a recording file/],
  [["--db", inPaths("db.json"), "--record", inPaths("missing/rec.json")], /^proclab rush: --record: folder .*missing does not exist/],
  [["--db", inPaths("db.json"), "--record", inPaths("fifo")], /^proclab rush: --record: .*fifo is a FIFO \(named pipe\)/],
  [["--db", inPaths("db.json"), "--record", inPaths("db.json")], /^proclab rush: --record: .*db\.json is the --db file/],
  [
    ["--db", inPaths("db.json"), "--replay", inPaths("folder")],
    /^proclab rush: --replay: cannot read recording .*folder: it is a folder; expected a regular file\n$/,
  ],
  [
    ["--db", inPaths("db.json"), "--replay", inPaths("fifo")],
    /^proclab rush: --replay: cannot read recording .*fifo: it is a FIFO \(named pipe\); expected a regular file\n$/,
  ],
]) {
  test(`rush ${args.map((a) => a.replace(paths, "<dir>")).join(" ")} exits 2 in one line naming the flag, before any work`, () => {
    const run = proclab("rush", "--trials", "1", ...args);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split("\n").length, 1, `one line: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /\.tmp|EISDIR: illegal|errno/, "no raw errno text, no temporary path");
    assert.equal(run.stdout, "");
    assert.deepEqual(fs.readdirSync(paths).sort(), ["fifo", "folder"], "nothing created, db.json untouched");
    assert.deepEqual(fs.readdirSync(inPaths("folder")), []);
    assert.ok(fs.statSync(inPaths("fifo")).isFIFO(), "the FIFO is still a FIFO");
  });
}

test("rush refuses over-long input without echoing it whole", () => {
  const long = `${"A".repeat(99_999)}X`;
  for (const args of [["--schedule", long], ["--buyers", long], ["--strategy", long], [long]]) {
    const run = proclab("rush", ...args, "--db", path.join(dir, "long.json"));
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /"A{60}…" \(100000 characters\)/);
    assert.ok(run.stderr.length < 400, `${args[0].slice(0, 10)}: ${run.stderr.length} characters of error`);
  }
  assert.equal(fs.existsSync(path.join(dir, "long.json")), false);
});
