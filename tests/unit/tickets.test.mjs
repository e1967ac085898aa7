// The ticket database, the seeded generator, strategies as data, settings checks,
// the buyer's torn-read counting and the outcome accounting — no worker pool needed.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resetDb, readDb, show, buy, strategyNames, summaryTable, writeDbAtomic } from "proclab";
import { mulberry32, deriveSeed, projectRoot } from "proclab/core";
import {
  strategies,
  getStrategy,
  rushConfig,
  RushConfigError,
  runBuyer,
  trialOutcome,
  summarize,
  trialRow,
  planBuyers,
} from "proclab/tickets";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-tickets-"));
const dbFile = (name) => path.join(dir, `${name}.json`);
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const quietly = (fn) => {
  const log = console.log;
  const lines = [];
  console.log = (...args) => lines.push(args.join(" "));
  try {
    return { value: fn(), lines };
  } finally {
    console.log = log;
  }
};

test("resetDb writes {count} atomically and readDb reads it back", () => {
  const file = dbFile("reset");
  assert.deepEqual(resetDb(3, file), { count: 3 });
  assert.deepEqual(readDb(file), { count: 3 });
  assert.equal(fs.readFileSync(file, "utf8"), '{"count":3}');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")),
    [],
    "no temporary file left behind",
  );
});

test("resetDb repairs a corrupt file and rejects counts that are not non-negative integers, leaving the file valid", () => {
  const file = dbFile("repair");
  fs.writeFileSync(file, '{"count":9}}');
  resetDb(2, file);
  assert.deepEqual(readDb(file), { count: 2 });
  for (const bad of [-1, 1.5, NaN, "3", null]) {
    assert.throws(() => resetDb(bad, file), /count must be a non-negative integer/);
  }
  assert.deepEqual(readDb(file), { count: 2 }, "a rejected reset leaves the old valid file");
});

test("resetDb into a folder that does not exist is an error naming it, and creates nothing", () => {
  const missing = path.join(os.tmpdir(), `proclab-no-such-folder-${process.pid}`);
  assert.throws(() => resetDb(1, path.join(missing, "db.json")), /no folder .*proclab-no-such-folder-\d+ for the ticket database/);
  assert.equal(fs.existsSync(missing), false);
});

test("readDb names the file for a missing or malformed database", () => {
  assert.throws(() => readDb(dbFile("missing")), /no ticket database at .*missing\.json; create it with resetDb/);
  const file = dbFile("malformed");
  fs.writeFileSync(file, "");
  assert.throws(() => readDb(file), /malformed\.json is not valid JSON/);
  fs.writeFileSync(file, '{"count":-2}');
  assert.throws(() => readDb(file), /"count" in .*malformed\.json must be a non-negative integer/);
  fs.writeFileSync(file, "[1]");
  assert.throws(() => readDb(file), /must hold an object \{"count": N\}/);
});

const temporaries = (where) => fs.readdirSync(where).filter((f) => f.endsWith(".tmp"));

test("resetDb and writeDbAtomic check their arguments, name the path and what was expected, and leave no temporary file", () => {
  const where = fs.mkdtempSync(path.join(dir, "args-"));
  const folder = path.join(where, "folder");
  fs.mkdirSync(folder);
  const file = path.join(where, "db.json");
  assert.throws(() => resetDb(5, ""), /resetDb: the ticket database must be a file path \(a non-empty string\), got ""/);
  assert.throws(() => resetDb(5, 3), /resetDb: the ticket database must be a file path .*got 3/);
  assert.throws(() => resetDb(5, folder), new RegExp(`resetDb: ${folder} is a folder; expected the ticket database`));
  assert.throws(
    () => resetDb(2 ** 60, file),
    /count must be a non-negative integer, got 1152921504606847000, which is too large to count exactly/,
  );
  assert.throws(() => resetDb(Infinity, file), /count must be a non-negative integer, got Infinity, which is not a finite number/);
  // The write itself failing (the target became a folder): the error names the file, the temporary file is gone.
  assert.throws(
    () => writeDbAtomic({ count: 1 }, folder),
    new RegExp(`cannot write ticket database ${folder}: it is a folder; expected a file path`),
  );
  assert.throws(
    () => writeDbAtomic({ count: 1 }, path.join(where, "missing", "db.json")),
    /cannot write ticket database .*: its folder .*missing does not exist/,
  );
  assert.throws(() => writeDbAtomic({ count: -1 }, file), /writeDbAtomic: count must be a non-negative integer, got -1/);
  assert.throws(() => writeDbAtomic({ count: 1 }, ""), /writeDbAtomic: the ticket database must be a file path/);
  assert.deepEqual(temporaries(where), [], "no temporary file left behind");
  assert.deepEqual(fs.readdirSync(folder), []);
  assert.equal(fs.existsSync(file), false, "a refused call writes nothing");
});

test(
  "readDb refuses what is not a small regular file, naming the path: a folder, a number, a FIFO, a 3 GB file, before reading",
  { timeout: 10_000 },
  () => {
    const where = fs.mkdtempSync(path.join(dir, "read-"));
    assert.throws(() => readDb(where), new RegExp(`cannot read ticket database ${where}: it is a folder; expected a regular file`));
    assert.throws(() => readDb(0), /readDb: the ticket database must be a file path \(a non-empty string\), got 0/, "not stdin (fd 0)");
    const fifo = path.join(where, "fifo");
    spawnSync("mkfifo", [fifo]);
    assert.throws(
      () => readDb(fifo),
      /cannot read ticket database .*fifo: it is a FIFO \(named pipe\); expected a regular file/,
      "without blocking",
    );
    const huge = path.join(where, "huge.json");
    fs.writeFileSync(huge, "");
    fs.truncateSync(huge, 3 * 1024 ** 3); // sparse: 3 GB that takes no disk
    const started = Date.now();
    assert.throws(() => readDb(huge), /cannot read ticket database .*huge\.json: it is 3\.0 GB; expected a small file \(at most 1\.0 MB\)/);
    assert.ok(Date.now() - started < 1000, `refused in ${Date.now() - started} ms, without reading it`);
  },
);

test("readDb reports a count JSON cannot hold exactly as written: 1e400 is not finite, 1e20 too large", () => {
  const file = dbFile("huge-count");
  fs.writeFileSync(file, '{"count":1e400}');
  assert.throws(
    () => readDb(file),
    /"count" in .*huge-count\.json must be a non-negative integer, got 1e400, which is not a finite number/,
  );
  fs.writeFileSync(file, '{"count": 1e20}');
  assert.throws(() => readDb(file), /got 1e20, which is too large to count exactly/);
});

test("rushConfig refuses a db path that is a folder, a FIFO or on /proc (RushConfigError on db)", () => {
  const where = fs.mkdtempSync(path.join(dir, "config-"));
  const fifo = path.join(where, "fifo");
  spawnSync("mkfifo", [fifo]);
  for (const [db, problem] of [
    [where, /is a folder; expected the ticket database/],
    [fifo, /is a FIFO \(named pipe\)/],
    ["/proc/1/db.json", /is on \/proc/],
    [path.join(where, "no", "db.json"), /folder .*no does not exist/],
  ]) {
    assert.throws(
      () => rushConfig({ db }),
      (error) => error instanceof RushConfigError && error.field === "db" && problem.test(error.problem),
    );
  }
  assert.equal(
    rushConfig({ db: path.join(where, "new.json") }).db,
    path.join(where, "new.json"),
    "a new file in an existing folder is fine",
  );
});

test("show prints 剩余票数 and buy sells until the tickets run out, like the article", () => {
  const file = dbFile("article");
  resetDb(1, file);
  const shown = quietly(() => show(file));
  assert.equal(shown.value, 1);
  assert.match(shown.lines[0], /剩余票数 tickets left: 1/);
  const first = quietly(() => buy(file));
  assert.equal(first.value, true);
  assert.match(first.lines[0], /购买成功/);
  assert.equal(quietly(() => buy(file)).value, false, "no ticket left: no sale");
  assert.deepEqual(readDb(file), { count: 0 });
});

test("the database defaults to data/db.json, or db.json in the folder PROCLAB_DATA_DIR names", () => {
  const where = (env) =>
    spawnSync(process.execPath, ["-e", "console.log(require('proclab').defaultDbPath)"], {
      cwd: projectRoot,
      encoding: "utf8",
      env,
    }).stdout.trim();
  const { PROCLAB_DATA_DIR: _ignored, ...withoutOverride } = process.env;
  assert.equal(where(withoutOverride), path.join(projectRoot, "data", "db.json"));
  assert.equal(where({ ...withoutOverride, PROCLAB_DATA_DIR: os.tmpdir() }), path.join(os.tmpdir(), "db.json"));
});

test("mulberry32 repeats for a seed and differs across seeds", () => {
  const a = mulberry32(1),
    b = mulberry32(1),
    c = mulberry32(2);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b()),
    xs,
  );
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => c()),
    xs,
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notEqual(deriveSeed(1, 1), deriveSeed(1, 2));
  assert.throws(() => mulberry32(1.5), /seed must be an integer/);
});

test("planBuyers draws the same think and work times for the same seed and trial", () => {
  const config = rushConfig({ seed: 7, thinkMs: 20, workMs: 10, db: dbFile("plan") });
  assert.deepEqual(planBuyers(config, 3), planBuyers(config, 3));
  assert.notDeepEqual(planBuyers(config, 3), planBuyers(config, 4));
  for (const plan of planBuyers(config, 1)) {
    assert.ok(plan.thinkMs >= 10 && plan.thinkMs <= 30);
    assert.ok(plan.workMs >= 5 && plan.workMs <= 15);
  }
});

test("the five strategies are documented data with the article's lock placement", () => {
  assert.deepEqual(strategyNames, ["none", "join", "seed-lock", "lock", "coarse"]);
  for (const name of strategyNames) assert.ok(strategies[name].summary.length > 20, `${name} is documented`);
  assert.deepEqual([strategies["seed-lock"].lockScope, strategies["seed-lock"].write], ["buy", "truncate"]);
  assert.deepEqual([strategies.lock.lockScope, strategies.lock.write], ["buy", "atomic"]);
  assert.equal(strategies.coarse.lockScope, "task");
  assert.equal(strategies.join.sequential, true);
  assert.equal(strategies.none.protected, false);
  assert.throws(() => getStrategy("mutex"), /unknown strategy "mutex"; expected one of none, join, seed-lock, lock, coarse/);
});

test("rushConfig fills defaults (7 buyers, 1 ticket) and names the bad setting", () => {
  const config = rushConfig({ db: dbFile("cfg") });
  assert.equal(config.buyers, 7);
  assert.equal(config.tickets, 1);
  const field = (options) => {
    try {
      rushConfig(options);
    } catch (error) {
      assert.ok(error instanceof RushConfigError);
      return error.field;
    }
    return null;
  };
  assert.equal(field({ buyers: 0 }), "buyers");
  assert.equal(field({ buyers: 10_000 }), "buyers");
  assert.equal(field({ tickets: -1 }), "tickets");
  assert.equal(field({ trials: 0 }), "trials");
  assert.equal(field({ strategy: "nope" }), "strategy");
  assert.equal(field({ thinkMs: -5 }), "thinkMs");
  assert.equal(field({ seed: 0.5 }), "seed");
  assert.equal(field({ tickets: 0 }), null, "0 tickets is a valid (sold-out) sale");
});

test("a buyer counts a torn read, retries, and buys once the file is whole again", async () => {
  const file = dbFile("torn");
  fs.writeFileSync(file, ""); // what a reader sees between truncate and write
  setTimeout(() => resetDb(1, file), 15);
  const plan = { db: file, index: 0, strategy: "none", workMs: 0, thinkMs: 0, writeMs: 0, echo: false };
  const outcome = await runBuyer(plan);
  assert.ok(outcome.tornReads >= 1, `torn reads counted: ${outcome.tornReads}`);
  assert.equal(outcome.bought, true);
  assert.deepEqual(readDb(file), { count: 0 });
});

test("a buyer that sees no ticket buys nothing; a locked strategy without a lock is refused", async () => {
  const file = dbFile("soldout");
  resetDb(0, file);
  const plan = { db: file, index: 0, strategy: "none", workMs: 0, thinkMs: 0, writeMs: 0, echo: false };
  assert.deepEqual({ ...(await runBuyer(plan)), pid: 0 }, { index: 0, pid: 0, shown: 0, read: 0, bought: false, tornReads: 0 });
  await assert.rejects(runBuyer({ ...plan, strategy: "lock" }), /strategy "lock" needs a lock/);
});

const buyer = (index, bought, tornReads = 0) => ({ index, pid: 100 + index, shown: 1, read: 1, bought, tornReads });

test("trialOutcome counts sold, oversold = max(0, sold - tickets), left and torn reads", () => {
  const result = trialOutcome({
    trial: 1,
    tickets: 1,
    buyers: [buyer(0, true, 2), buyer(1, true), buyer(2, true, 1), buyer(3, false)],
    finalText: '{"count":0}',
    elapsedMs: 12.34,
  });
  assert.equal(result.sold, 3);
  assert.equal(result.oversold, 2);
  assert.equal(result.left, 0);
  assert.equal(result.tornReads, 3);
  assert.equal(result.corrupt, false);
  assert.equal(result.corruptText, null);
  const under = trialOutcome({ trial: 2, tickets: 5, buyers: [buyer(0, true)], finalText: '{"count":4}', elapsedMs: 1 });
  assert.equal(under.oversold, 0);
  assert.equal(under.left, 4);
  assert.deepEqual(Object.keys(trialRow(result)), ["sold", "left", "oversold", "tornReads", "corrupt", "elapsedMs"]);
});

test("trialOutcome reports a corrupt final file as corrupt with left null, keeping its text as evidence", () => {
  const result = trialOutcome({ trial: 1, tickets: 10, buyers: [buyer(0, true)], finalText: '{"count":9}}', elapsedMs: 1 });
  assert.equal(result.corrupt, true);
  assert.equal(result.left, null);
  assert.equal(result.corruptText, '{"count":9}}');
  assert.equal(trialOutcome({ trial: 2, tickets: 1, buyers: [], finalText: '{"count":1}', elapsedMs: 1 }).corruptText, null);
});

test("summarize counts oversold, torn and corrupt trials and the time per trial", () => {
  const trials = [
    trialOutcome({ trial: 1, tickets: 1, buyers: [buyer(0, true), buyer(1, true)], finalText: '{"count":0}', elapsedMs: 10 }),
    trialOutcome({ trial: 2, tickets: 1, buyers: [buyer(0, true, 3), buyer(1, false)], finalText: "", elapsedMs: 30 }),
  ];
  const summary = summarize(trials);
  assert.deepEqual(
    { ...summary },
    {
      trials: 2,
      oversoldTrials: 1,
      meanOversold: 0.5,
      maxOversold: 1,
      tornReads: 3,
      tornTrials: 1,
      corruptTrials: 1,
      errors: 0,
      meanElapsedMs: 20,
      totalElapsedMs: 40,
    },
  );
  const table = summaryTable([{ config: rushConfig({ db: dbFile("t") }), summary }]);
  assert.match(table, /strategy .*oversold trials .*torn reads .*corrupt .*ms\/trial/);
  assert.match(table, /^none\s+7\s+1\s+2\s+1\s+0\.50\s+3\s+1\s+20\.0$/m);
});
