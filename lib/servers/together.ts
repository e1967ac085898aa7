/**
 * Starting the chapter's servers together, once per process (a notebook kernel): started in
 * parallel, reused by later cells, started again if one has stopped (an interrupted cell's
 * SIGINT stops them with everything else in the kernel's process group).
 */
import { startEtcd, type EtcdCluster } from "./etcd";
import { startPostgres, type PostgresServer } from "./postgres";
import { startRedis, type RedisServer } from "./redis";

export interface Servers {
  postgres?: PostgresServer;
  redis?: RedisServer;
  etcd?: EtcdCluster;
}

/** Which servers to start; default all three. */
export interface ServerChoice {
  postgres?: boolean;
  redis?: boolean;
  /** true, or the number of members (default 3). */
  etcd?: boolean | number;
}

const current: Servers = {};
const starting: { [K in keyof Servers]?: Promise<NonNullable<Servers[K]>> } = {};

async function ensure<K extends keyof Servers>(
  key: K,
  start: () => Promise<NonNullable<Servers[K]>>,
  fits: (server: NonNullable<Servers[K]>) => boolean = () => true,
): Promise<void> {
  const existing = current[key];
  if (existing?.isUp() && fits(existing)) return;
  if (existing) {
    delete current[key];
    await existing.stop().catch(() => undefined);
  }
  let pending = starting[key] as Promise<NonNullable<Servers[K]>> | undefined;
  if (!pending) {
    pending = start();
    (starting as Record<K, Promise<NonNullable<Servers[K]>>>)[key] = pending;
  }
  try {
    current[key] = await pending;
  } finally {
    delete starting[key];
  }
}

/** Starts (or reuses) the chosen servers, in parallel; resolves when all are ready. */
export async function startServers(choice: ServerChoice = { postgres: true, redis: true, etcd: true }): Promise<Servers> {
  const jobs: Promise<void>[] = [];
  if (choice.postgres) jobs.push(ensure("postgres", () => startPostgres()));
  if (choice.redis) jobs.push(ensure("redis", () => startRedis()));
  if (choice.etcd) {
    const members = typeof choice.etcd === "number" ? choice.etcd : 3;
    // A cluster of another size (or with a killed member: not isUp) is started afresh.
    jobs.push(
      ensure(
        "etcd",
        () => startEtcd({ members }),
        (cluster) => cluster.members.length === members,
      ),
    );
  }
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
  if (failed) throw failed.reason;
  return { ...current };
}

/** Stops every server started by startServers. */
export async function stopServers(): Promise<void> {
  // Starts under way finish first, so a server that becomes ready now is stopped too.
  await Promise.allSettled(Object.values(starting));
  const all = Object.values(current) as { stop(): Promise<void> }[];
  for (const key of Object.keys(current) as (keyof Servers)[]) delete current[key];
  await Promise.all(all.map((server) => server.stop()));
}
