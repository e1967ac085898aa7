// The beyond-one-machine chapter's pure parts: store URLs, strategy names, percentiles, the
// figures, and `rush --store` refusing bad input before it connects anywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseStoreUrl, describeAddress, storeStrategy, storeStrategyNames, percentile, summarizeStoreRush } from "proclab/distributed";
import { storeOutcomeFigure, pauseFigure } from "proclab/plots";

const cli = path.join(path.dirname(fileURLToPath(import.meta.resolve("proclab"))), "cli.js");

test("store URLs: PostgreSQL (TCP or socket folder), Redis with a password, etcd's host list; the password never shows", () => {
  assert.deepEqual(parseStoreUrl("postgres://ana:s3cret@10.0.0.5:6543/proclab"), {
    engine: "postgres",
    connection: { host: "10.0.0.5", port: 6543, user: "ana", password: "s3cret", database: "proclab" },
  });
  assert.equal(parseStoreUrl("postgres://me@/db?host=%2Ftmp%2Fpg").connection.host, "/tmp/pg");
  assert.deepEqual(parseStoreUrl("redis://:pw@cache:6380"), { engine: "redis", connection: { host: "cache", port: 6380, password: "pw" } });
  assert.deepEqual(parseStoreUrl("etcd://a:2379,b:2379").endpoints, ["http://a:2379", "http://b:2379"]);
  assert.equal(describeAddress(parseStoreUrl("postgres://ana:s3cret@h:5432/d")), "PostgreSQL ana@h:5432/d");
  for (const [bad, why] of [
    ["nonsense", /is not a URL/],
    ["postgres://h:5432/db", /no user before the host/],
    ["postgres://u:topsecret@h:99999/db", /is not a URL|bad port/],
    ["redis://", /is not a URL|no host/],
    ["etcd://a:2379,b", /"b" is not host:port/],
    ["ftp://x", /unknown kind of store ftp/],
  ]) {
    assert.throws(
      () => parseStoreUrl(bad),
      (error) => why.test(error.message) && !error.message.includes("topsecret"),
      bad,
    );
  }
});

test("strategies are named engine:name; an unknown one lists its engine's choices", () => {
  assert.ok(storeStrategyNames.includes("postgres:serializable") && storeStrategyNames.includes("etcd:lock-fenced"));
  assert.equal(storeStrategyNames.length, 14);
  assert.equal(storeStrategy("redis", "lease-fenced").fenced, true);
  assert.throws(() => storeStrategy("etcd", "lua"), /etcd has no strategy "lua": choose one of lock, lock-fenced/);
});

test("percentiles are nearest-rank; a rush summary counts oversold trials and sales per second", () => {
  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 100], 99), 100);
  assert.ok(Number.isNaN(percentile([], 50)));
  const trial = (sold, elapsedMs) => ({
    sold,
    oversold: Math.max(0, sold - 10),
    elapsedMs,
    latenciesMs: [1, 2],
    rejected: 0,
    retries: 1,
    errors: [],
  });
  const summary = summarizeStoreRush([trial(12, 1000), trial(10, 1000)]);
  assert.deepEqual([summary.oversoldTrials, summary.maxOversold, summary.sold, summary.salesPerSecond, summary.retries], [1, 2, 22, 11, 2]);
});

const marks = (start, end, attempt) => ({ start, read: start + 1, end, attempt });
const withSummary = (r) => ({ ...r, summary: summarizeStoreRush(r.trials) });
const result = (oversold) =>
  withSummary({
    label: "redis:lease",
    strategy: storeStrategy("redis", "lease"),
    config: { buyers: 2, tickets: 1, trials: 1, leaseMs: 200, thinkMs: 0 },
    trials: [
      {
        trial: 1,
        tickets: 1,
        sold: oversold ? 2 : 1,
        oversold: oversold ? 1 : 0,
        left: 0,
        rejected: oversold ? 0 : 1,
        retries: 0,
        elapsedMs: 700,
        latenciesMs: [],
        errors: [],
        startedAt: 1000,
        fault: null,
        paused: { buyer: "buyer/0", stoppedAt: 1002, continuedAt: 1602 },
        buyers: [
          {
            index: 0,
            name: "buyer/0",
            pid: 1,
            sales: 1,
            rejected: 0,
            retries: 0,
            latenciesMs: [],
            failed: null,
            purchases: [marks(1000, 1603, oversold ? "sold" : "rejected")],
          },
          {
            index: 1,
            name: "buyer/1",
            pid: 2,
            sales: 1,
            rejected: 0,
            retries: 0,
            latenciesMs: [],
            failed: null,
            purchases: [marks(1003, 1205, "sold")],
          },
        ],
      },
    ],
  });

test("the figures state their finding: oversold or not, the stop drawn on the stopped buyer's lane", () => {
  const outcome = storeOutcomeFigure([result(true)]);
  assert.match(outcome.layout.title.text, /Only redis:lease sold more than the 1 tickets/);
  assert.match(storeOutcomeFigure([result(false)]).layout.title.text, /Every strategy sold exactly the 1 tickets/);
  const paused = pauseFigure(result(true));
  assert.match(paused.layout.title.text, /stopped past its 200 ms lease, buyer\/0 still sold — 2 sold of 1/);
  const stop = paused.data.find((trace) => trace.name.startsWith("stopped"));
  assert.deepEqual([stop.y[0], stop.base[0], stop.x[0]], ["buyer/0", 2, 600]);
  assert.match(pauseFigure(result(false)).layout.title.text, /late write was refused/);
  assert.ok(paused.caption && paused.text.includes("buyer/1"));
});

test("rush --store refuses bad input before connecting: the URL, the strategy, the name, flags of the file rush", () => {
  const run = (...args) => spawnSync(process.execPath, [cli, "rush", ...args], { encoding: "utf8", timeout: 20_000 });
  const cases = [
    [["--store", "mysql://a@b/c"], 2, /unknown kind of store mysql/],
    [
      ["--store", "redis://localhost:1", "--strategy", "fenced"],
      2,
      /--strategy "fenced": redis offers naive, lua, watch, lease, lease-fenced/,
    ],
    [["--store", "redis://localhost:1", "--name", "a b"], 2, /--name "a b": use 1 to 32 letters/],
    [["--store", "redis://localhost:1", "--db", "x.json"], 2, /--db is for the db.json rush; it does not apply with --store/],
    [["--store", "redis://localhost:1", "--buyers", "0"], 2, /--buyers must be from 1 to 64, got 0/],
  ];
  for (const [args, status, message] of cases) {
    const result = run(...args);
    assert.equal(result.status, status, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  const help = run("--store", "x", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: proclab rush --store <url>/);
});
