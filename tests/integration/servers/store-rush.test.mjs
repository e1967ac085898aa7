// The rush on shared servers: what each strategy sells, the deterministic pause that breaks a
// lease lock (and fencing that fixes it), faults survived, and bad settings refused up front.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServers, stopServers, startRedis, runStoreRush, storeAddress, storeStrategyNames, parseStoreUrl } from "proclab/distributed";
import { needs } from "./engines.mjs";

const all = needs("postgres", "redis", "etcd");
let servers;
before(async () => {
  if (!all.skip) servers = await startServers({ postgres: true, redis: true, etcd: 3 });
});
after(() => stopServers());

const rush = (label, options) => {
  const [engine, strategy] = label.split(":");
  return runStoreRush({ store: storeAddress(servers, engine), strategy, ...options });
};

test(
  "read-then-write oversells on PostgreSQL and on Redis in every trial; every other strategy sells exactly the tickets",
  all,
  async () => {
    for (const label of storeStrategyNames) {
      const result = await rush(label, { buyers: 6, tickets: 30, trials: 2, thinkMs: 1 });
      assert.equal(result.summary.errors, 0, `${label}: ${result.trials.flatMap((t) => t.errors).join("; ")}`);
      if (label.endsWith(":naive")) {
        assert.equal(result.summary.oversoldTrials, 2, `${label} oversold in ${result.summary.oversoldTrials} of 2`);
        continue;
      }
      for (const trial of result.trials) {
        assert.equal(trial.sold, 30, `${label} trial ${trial.trial}: sold ${trial.sold} of 30`);
        assert.equal(trial.left, 0, `${label}: the store says ${trial.left} left`);
      }
    }
  },
);

test(
  "a buyer stopped past its lease: the Redis lease lock oversells every time, the fenced one never (its late write is refused)",
  all,
  async () => {
    const pause = { buyer: 0, forMs: 600 };
    const lease = await rush("redis:lease", { buyers: 2, tickets: 1, trials: 3, leaseMs: 200, pause });
    const fenced = await rush("redis:lease-fenced", { buyers: 2, tickets: 1, trials: 3, leaseMs: 200, pause });
    for (const trial of lease.trials) {
      assert.equal(trial.sold, 2);
      assert.ok(trial.paused && trial.paused.buyer === "buyer/0" && trial.paused.continuedAt - trial.paused.stoppedAt >= 590);
    }
    for (const trial of fenced.trials) assert.deepEqual([trial.sold, trial.rejected, trial.left], [1, 1, 0]);
    // The stopped buyer really held the lock while stopped: its purchase spans the stop.
    const stopped = lease.trials[0].buyers.find((b) => b.name === "buyer/0");
    assert.ok(stopped.purchases[0].end >= lease.trials[0].paused.continuedAt);
  },
);

test("etcd's lock oversells under the same pause; create_revision as a fencing token prevents it", all, async () => {
  const pause = { buyer: 0, forMs: 2500 };
  const plain = await rush("etcd:lock", { buyers: 2, tickets: 1, trials: 1, pause });
  const fenced = await rush("etcd:lock-fenced", { buyers: 2, tickets: 1, trials: 1, pause });
  assert.equal(plain.trials[0].sold, 2);
  assert.deepEqual([fenced.trials[0].sold, fenced.trials[0].rejected], [1, 1]);
});

test("the etcd leader killed mid-rush: a new leader is elected, the rush runs to the last ticket, nothing oversold", all, async () => {
  const result = await rush("etcd:lock", {
    buyers: 4,
    tickets: 16,
    trials: 1,
    fault: {
      afterSales: 4,
      act: async () => {
        const leader = await servers.etcd.leader();
        await leader.kill();
        return `killed ${leader.name}`;
      },
    },
  });
  const [trial] = result.trials;
  assert.match(trial.fault?.what ?? "", /^killed m\d$/);
  assert.deepEqual([trial.oversold, trial.left, trial.errors], [0, 0, []]);
  const leader = await servers.etcd.leader();
  assert.ok(leader?.isUp(), "a survivor leads");
  await stopServers(); // the next tests get a whole cluster again
  servers = await startServers({ postgres: true, redis: true, etcd: 3 });
});

test("Redis killed mid-rush: every buyer stops with an error naming the store, nothing is oversold", all, async () => {
  const doomed = await startRedis();
  try {
    const result = await runStoreRush({
      store: { engine: "redis", connection: { path: doomed.socket } },
      strategy: "lua",
      buyers: 3,
      tickets: 100_000,
      trials: 1,
      fault: { afterSales: 20, act: async () => (await doomed.kill(), "killed Redis") },
    });
    const [trial] = result.trials;
    assert.equal(trial.fault?.what, "killed Redis");
    const buyerErrors = trial.errors.filter((e) => e.startsWith("buyer/"));
    assert.equal(buyerErrors.length, 3, trial.errors.join("\n"));
    for (const error of buyerErrors) assert.match(error, /Redis \/\S+redis\.sock/);
    assert.equal(trial.oversold, 0);
    assert.ok(trial.sold >= 20);
  } finally {
    await doomed.stop();
  }
});

test("bad settings are refused before any buyer starts, naming the setting and what was expected", all, async () => {
  const redis = storeAddress(servers, "redis");
  await assert.rejects(
    runStoreRush({ store: redis, strategy: "lock" }),
    /redis has no strategy "lock": choose one of naive, lua, watch, lease, lease-fenced/,
  );
  await assert.rejects(runStoreRush({ store: redis, strategy: "lua", buyers: 0 }), /buyers must be an integer from 1 to 64, got 0/);
  await assert.rejects(
    runStoreRush({ store: redis, strategy: "lua", pause: { buyer: 5, forMs: 10 }, buyers: 2 }),
    /pause\.buyer must name one of the 2 buyers/,
  );
  await assert.rejects(
    runStoreRush({ store: redis, strategy: "lua", thinkMs: -1 }),
    /thinkMs must be a number of ms from 0 to 10000, got -1/,
  );
  await assert.rejects(runStoreRush({ store: redis, strategy: "lua", namespace: "x; DROP TABLE" }), /namespace must be lower-case letters/);
  assert.throws(() => parseStoreUrl("mysql://a@b/c"), /unknown kind of store mysql/);
  assert.throws(
    () => parseStoreUrl("postgres://user:secret@host:5432/"),
    (error) => /no database name/.test(error.message) && !error.message.includes("secret"),
  );
  assert.deepEqual(parseStoreUrl("etcd://10.0.0.1:2379,10.0.0.2:2379"), {
    engine: "etcd",
    endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"],
  });
});
