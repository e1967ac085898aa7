/**
 * etcd: the count is the key `<ns>/count`; etcd's own lock (`etcd3`'s Lock: a key on a lease,
 * kept alive while the holder runs) guards it. The lock key's create_revision is a fencing
 * token: etcd's revisions only grow, cluster-wide. The fenced write is a transaction that
 * refuses a token older than the newest one seen (`<ns>/fence-seen`, zero-padded so etcd's byte
 * comparison is numeric order).
 */
import { circuitBreaker, ConsecutiveBreaker, handleWhen, retry } from "cockatiel";
import { Etcd3, EtcdLockFailedError, isRecoverableError, type Lock } from "etcd3";
import type { StoreAddress } from "./address";
import { sleep, type Attempt, type Counter, type SellContext, type Seller } from "./seller";

type EtcdAddress = Extract<StoreAddress, { engine: "etcd" }>;

const pad = (n: bigint | number | string): string => String(n).padStart(20, "0");

function connect(address: EtcdAddress): Etcd3 {
  return new Etcd3({
    hosts: address.endpoints,
    dialTimeout: 500,
    // A request in flight to a leader that dies waits for etcd's request timeout (5 s + 2 × election
    // timeout) before failing. Give up on it after 1 s instead, and try again on a live member.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 1000 }),
    faultHandling: {
      // etcd3's default stops calling a member for 5 s after 3 failures. During an election every
      // member fails for a moment, and all would be shunned for 5 s: try them again after 300 ms.
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 300, breaker: new ConsecutiveBreaker(3) }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 3 }),
    },
  });
}

/** Errors that mean "that member is gone, the cluster is electing": wait and try again. */
function unavailable(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return /unavailable|no leader|leader changed|deadline|ECONNREFUSED|circuit|timed? ?out|connection/i.test(text);
}

/**
 * Releases (deletes the key, revokes the lease), retrying while the cluster elects a leader: a
 * release given up on would leave the lease renewed by this client, and the lock held, forever.
 * A lease that expired meanwhile has released the lock already: that is not an error.
 */
async function releasing(lock: Lock): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await lock.release();
    } catch (error) {
      if (!unavailable(error) || Date.now() > deadline) return;
      await sleep(50);
    }
  }
}

export async function etcdSeller(address: EtcdAddress, strategy: string, ns: string): Promise<Seller> {
  const etcd = connect(address);
  const keys = { count: `${ns}/count`, lock: `${ns}/lock`, seen: `${ns}/fence-seen`, sales: `${ns}/sales/` };
  if (strategy !== "lock" && strategy !== "lock-fenced") throw new RangeError(`etcd has no strategy ${strategy}`);
  const fenced = strategy === "lock-fenced";
  const once = async (context: SellContext): Promise<Attempt> => {
    const ttl = Math.max(1, Math.round(context.leaseMs / 1000));
    let lock: Lock;
    for (;;) {
      lock = etcd.lock(keys.lock).ttl(ttl);
      try {
        await lock.acquire();
        break;
      } catch (error) {
        if (!(error instanceof EtcdLockFailedError)) throw error;
        context.retried();
        // Each try grants a lease and writes (two consensus rounds): back off, with jitter.
        await sleep(2 + Math.random() * 8);
      }
    }
    try {
      const token = fenced ? (await etcd.get(keys.lock).exec()).kvs[0]?.create_revision : null;
      const count = Number(await etcd.get(keys.count).string());
      await context.afterRead();
      if (count <= 0) return "none-left";
      if (!fenced) {
        await etcd.put(keys.count).value(String(count - 1));
        return "sold";
      }
      if (!token) return "rejected"; // the lock key is already gone: our lease expired
      // Refused when a newer token has written already (equal is the same holder again).
      const refused = await etcd
        .if(keys.seen, "Value", ">", pad(token))
        .else(etcd.put(keys.seen).value(pad(token)), etcd.put(keys.count).value(String(count - 1)))
        .commit();
      return refused.succeeded ? "rejected" : "sold";
    } finally {
      await releasing(lock);
    }
  };
  return {
    async buy(context) {
      // A lost leader: the survivors elect a new one within about a second; try again until then.
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          return await once(context);
        } catch (error) {
          if (!unavailable(error) || Date.now() > deadline) throw error;
          context.retried();
          await sleep(50);
        }
      }
    },
    async record(buyer) {
      await etcd.put(`${keys.sales}${encodeURIComponent(buyer)}/${Date.now()}-${Math.random()}`).value("1");
    },
    async close() {
      etcd.close();
    },
  };
}

export async function etcdCounter(address: EtcdAddress, ns: string): Promise<Counter> {
  const etcd = connect(address);
  const keys = { count: `${ns}/count`, lock: `${ns}/lock`, seen: `${ns}/fence-seen`, sales: `${ns}/sales/` };
  const retrying = async <T>(fn: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        if (!unavailable(error) || Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  };
  return {
    async reset(tickets) {
      await retrying(async () => {
        await etcd.delete().prefix(keys.lock);
        await etcd.delete().prefix(keys.sales);
        await etcd.put(keys.seen).value(pad(0));
        await etcd.put(keys.count).value(String(tickets));
        await etcd.put(`${ns}/tickets`).value(String(tickets));
      });
    },
    async remaining() {
      const value = await retrying(() => etcd.get(keys.count).string());
      return value === null ? null : Number(value);
    },
    async total() {
      const value = await retrying(() => etcd.get(`${ns}/tickets`).string());
      return value === null ? null : Number(value);
    },
    async sales() {
      const all = await retrying(() => etcd.getAll().prefix(keys.sales).keys());
      const per = new Map<string, number>();
      for (const key of all) {
        const buyer = decodeURIComponent(key.slice(keys.sales.length).split("/")[0]);
        per.set(buyer, (per.get(buyer) ?? 0) + 1);
      }
      return [...per].map(([buyer, sales]) => ({ buyer, sales })).sort((a, b) => a.buyer.localeCompare(b.buyer));
    },
    async close() {
      etcd.close();
    },
  };
}
