#!/usr/bin/env node
// `npm run bench -- stores`: every strategy of the beyond-one-machine chapter at 20 buyers, with
// the file rush's lock (db.json + proclab's Lock, one machine) beside them in the same run: sales
// per second of buyers' time, and the median and 99th-percentile time of one purchase (lock waits
// and retries included). Each buyer loops until the store says no ticket is left; 1 ms between a
// buyer's read and its write. Writes build/bench/stores.json.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startServers, stopServers, runStoreRush, storeAddress, storeStrategyNames, storeRushTable } from "proclab/distributed";

const settings = { buyers: 20, tickets: 100, trials: 3, thinkMs: 1 };
const servers = await startServers({ postgres: true, redis: true, etcd: 3 });
const results = [];
try {
  for (const label of storeStrategyNames) {
    const [engine, strategy] = label.split(":");
    const store =
      engine === "file" ? { engine, path: path.join(os.tmpdir(), `proclab-bench-${process.pid}.json`) } : storeAddress(servers, engine);
    const started = performance.now();
    results.push(await runStoreRush({ ...settings, store, strategy }));
    process.stderr.write(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
} finally {
  await stopServers();
}
console.log(
  `${settings.buyers} buyers, ${settings.tickets} tickets, ${settings.trials} trials each, ${settings.thinkMs} ms between read and write; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`,
);
console.log(storeRushTable(results));
const out = path.join(import.meta.dirname, "..", "build", "bench");
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(
  path.join(out, "stores.json"),
  JSON.stringify(
    { settings, at: new Date().toISOString(), results: results.map((r) => ({ label: r.label, summary: r.summary })) },
    null,
    1,
  ),
);
