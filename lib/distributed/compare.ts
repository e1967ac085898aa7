/** Running several strategies side by side, and their table. */
import * as path from "node:path";
import { dataDir } from "../core/paths";
import { textTable } from "../core/text";
import type { Servers } from "../servers";
import type { StoreAddress, StoreEngine } from "./address";
import { runStoreRush, type StoreRushOptions, type StoreRushResult } from "./rush";

/** The address of one of the servers startServers() started. */
export function storeAddress(servers: Servers, engine: StoreEngine): StoreAddress {
  switch (engine) {
    case "postgres":
      if (!servers.postgres) break;
      return { engine, connection: servers.postgres.connection };
    case "redis":
      if (!servers.redis) break;
      return { engine, connection: { path: servers.redis.socket } };
    case "etcd":
      if (!servers.etcd) break;
      return { engine, endpoints: servers.etcd.endpoints };
    case "file":
      // No server: the course's data folder (buyers on this machine share it).
      return { engine, path: path.join(dataDir, "store-rush.json") };
  }
  throw new Error(`no ${engine} server was started: startServers({ ${engine}: true }) first`);
}

/** Runs each `engine:strategy` in turn with the same settings (on the same warm buyer processes). */
export async function compareStoreStrategies(
  servers: Servers,
  labels: readonly string[],
  options: Omit<StoreRushOptions, "store" | "strategy"> = {},
): Promise<StoreRushResult[]> {
  const results: StoreRushResult[] = [];
  for (const label of labels) {
    const [engine, strategy] = label.split(":");
    results.push(await runStoreRush({ ...options, store: storeAddress(servers, engine as StoreEngine), strategy }));
  }
  return results;
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : "–");

/** One row per strategy: oversold trials, sold per trial, sales/s, p50 and p99 latency, retries. */
export function storeRushTable(results: readonly StoreRushResult[]): string {
  return textTable(
    ["strategy", "oversold trials", "max oversold", "sales/s", "p50 ms", "p99 ms", "retries", "rejected", "errors"],
    results.map((r) => [
      r.label,
      `${r.summary.oversoldTrials}/${r.summary.trials}`,
      String(r.summary.maxOversold),
      r.summary.salesPerSecond.toFixed(0),
      ms(r.summary.p50Ms),
      ms(r.summary.p99Ms),
      String(r.summary.retries),
      String(r.summary.rejected),
      String(r.summary.errors),
    ]),
  );
}
