/**
 * The ways to sell a ticket when buyers share only a server. Each is a real use of its engine:
 * none is simulated. `safe` says whether it can oversell; `how` says why, in a line.
 */
import type { StoreEngine } from "./address";

export interface StoreStrategy {
  engine: StoreEngine;
  name: string;
  /** One line: what a buyer does. */
  how: string;
  /** The read → write is protected (atomically, by a lock, or by a check at the store). */
  protected: boolean;
  /** A lock with a lease (expires when its holder stops renewing it): pauses can break it. */
  lease: boolean;
  /** The store refuses writes from a holder whose lock was taken over (fencing token). */
  fenced: boolean;
}

const list: StoreStrategy[] = [
  {
    engine: "postgres",
    name: "naive",
    how: "SELECT count, then UPDATE count = read − 1 (two statements, no lock)",
    protected: false,
    lease: false,
    fenced: false,
  },
  {
    engine: "postgres",
    name: "atomic",
    how: "UPDATE … SET count = count − 1 WHERE count > 0 RETURNING count (one statement)",
    protected: true,
    lease: false,
    fenced: false,
  },
  {
    engine: "postgres",
    name: "for-update",
    how: "BEGIN; SELECT … FOR UPDATE (row lock); UPDATE; COMMIT",
    protected: true,
    lease: false,
    fenced: false,
  },
  {
    engine: "postgres",
    name: "advisory",
    how: "BEGIN; pg_advisory_xact_lock(id); SELECT; UPDATE; COMMIT",
    protected: true,
    lease: false,
    fenced: false,
  },
  {
    engine: "postgres",
    name: "serializable",
    how: "SERIALIZABLE transaction: SELECT; UPDATE; COMMIT, retried on error 40001",
    protected: true,
    lease: false,
    fenced: false,
  },
  { engine: "redis", name: "naive", how: "GET count, then SET count read − 1 (no lock)", protected: false, lease: false, fenced: false },
  {
    engine: "redis",
    name: "lua",
    how: "one Lua script: if count > 0 then count = count − 1 (Redis runs scripts one at a time)",
    protected: true,
    lease: false,
    fenced: false,
  },
  {
    engine: "redis",
    name: "watch",
    how: "WATCH count; GET; MULTI; SET; EXEC — retried when another buyer changed it",
    protected: true,
    lease: false,
    fenced: false,
  },
  {
    engine: "redis",
    name: "lease",
    how: "lock = SET lock token NX PX ttl; GET; SET; release if still ours",
    protected: true,
    lease: true,
    fenced: false,
  },
  {
    engine: "redis",
    name: "lease-fenced",
    how: "as lease, and the lock hands out a token (INCR); the write is accepted only with the newest token",
    protected: true,
    lease: true,
    fenced: true,
  },
  {
    engine: "etcd",
    name: "lock",
    how: "etcd's lock (a key on a lease, renewed while held); GET; PUT; release",
    protected: true,
    lease: true,
    fenced: false,
  },
  {
    engine: "etcd",
    name: "lock-fenced",
    how: "as lock; the lock key's create_revision is the token; the write is a transaction that checks it",
    protected: true,
    lease: true,
    fenced: true,
  },
  {
    engine: "file",
    name: "naive",
    how: "db.json on this machine: read, then write (no lock)",
    protected: false,
    lease: false,
    fenced: false,
  },
  {
    engine: "file",
    name: "lock",
    how: "db.json on this machine under proclab's Lock (mkdir): the course's file rush, as a yardstick",
    protected: true,
    lease: false,
    fenced: false,
  },
];

/** Every strategy, as `engine:name` (e.g. "postgres:atomic"). */
export const storeStrategyNames: readonly string[] = list.map((s) => `${s.engine}:${s.name}`);

/** The strategies of one engine. */
export function strategiesOf(engine: StoreEngine): StoreStrategy[] {
  return list.filter((s) => s.engine === engine);
}

/** A strategy by engine and name; throws naming the choices of that engine. */
export function storeStrategy(engine: StoreEngine, name: string): StoreStrategy {
  const found = list.find((s) => s.engine === engine && s.name === name);
  if (!found)
    throw new RangeError(
      `${engine} has no strategy ${JSON.stringify(name)}: choose one of ${strategiesOf(engine)
        .map((s) => s.name)
        .join(", ")}`,
    );
  return found;
}
