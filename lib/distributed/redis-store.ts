/**
 * Redis: the count is the key `<ns>:count`; the lease lock is `<ns>:lock`; fencing keeps the last
 * token handed out (`<ns>:fence`) and the newest token a write came with (`<ns>:fence-seen`).
 * Uses `ioredis`, one connection per buyer. A buyer never reconnects: when Redis goes away its
 * purchase fails with a clear error (the fault demo), instead of hanging.
 */
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import type { StoreAddress } from "./address";
import { sleep, type Attempt, type Counter, type SellContext, type Seller } from "./seller";

type RedisAddress = Extract<StoreAddress, { engine: "redis" }>;

async function connect(address: RedisAddress): Promise<Redis> {
  const redis = new Redis({
    ...address.connection,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // A server that stops answering fails a command in 10 s instead of hanging the rush.
    connectTimeout: 10_000,
    commandTimeout: 10_000,
  });
  redis.on("error", () => undefined); // errors reach the command that failed
  await redis.connect();
  return redis;
}

// Decrements if a ticket is left: Redis runs a script to its end before anything else.
const decrementIfLeft = `local c = tonumber(redis.call('GET', KEYS[1]))
if c and c > 0 then redis.call('SET', KEYS[1], c - 1) return 1 end
return 0`;
// Releases the lock only if it still holds our token (else it expired and is someone else's now).
const releaseIfOurs = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// Takes the lock and, in the same step, a fencing token: a number larger than any handed out before.
const lockWithToken = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end
return 0`;
// The store's check: a write is accepted only with a token at least as new as any it has seen.
const fencedWrite = `local seen = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = tonumber(ARGV[1])
if token < seen then return 0 end
redis.call('SET', KEYS[2], token)
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

export async function redisSeller(address: RedisAddress, strategy: string, ns: string): Promise<Seller> {
  const redis = await connect(address);
  const keys = { count: `${ns}:count`, lock: `${ns}:lock`, fence: `${ns}:fence`, seen: `${ns}:fence-seen`, sales: `${ns}:sales` };
  const read = async (): Promise<number> => Number(await redis.get(keys.count));
  /** Spins on SET NX PX until the lock is ours; returns what acquiring returned (OK, or a token). */
  const acquire = async (context: SellContext, take: () => Promise<unknown>): Promise<unknown> => {
    for (;;) {
      const got = await take();
      if (got) return got;
      context.retried();
      await sleep(1);
    }
  };
  const underLease = async (context: SellContext, fenced: boolean): Promise<Attempt> => {
    const token = randomUUID();
    const fence = await acquire(context, () =>
      fenced
        ? redis.eval(lockWithToken, 2, keys.lock, keys.fence, token, context.leaseMs).then((n) => Number(n))
        : redis.set(keys.lock, token, "PX", context.leaseMs, "NX"),
    );
    try {
      const count = await read();
      await context.afterRead();
      if (count <= 0) return "none-left";
      if (!fenced) {
        await redis.set(keys.count, count - 1);
        return "sold";
      }
      const accepted = Number(await redis.eval(fencedWrite, 2, keys.count, keys.seen, Number(fence), count - 1));
      return accepted === 1 ? "sold" : "rejected";
    } finally {
      await redis.eval(releaseIfOurs, 1, keys.lock, token);
    }
  };
  const attempts: Record<string, (context: SellContext) => Promise<Attempt>> = {
    async naive(context) {
      const count = await read();
      await context.afterRead();
      if (count <= 0) return "none-left";
      await redis.set(keys.count, count - 1);
      return "sold";
    },
    async lua() {
      return Number(await redis.eval(decrementIfLeft, 1, keys.count)) === 1 ? "sold" : "none-left";
    },
    async watch(context) {
      for (;;) {
        await redis.watch(keys.count);
        const count = await read();
        await context.afterRead();
        if (count <= 0) {
          await redis.unwatch();
          return "none-left";
        }
        // EXEC answers null when the watched key changed since WATCH: someone else sold first.
        const done = await redis
          .multi()
          .set(keys.count, count - 1)
          .exec();
        if (done) return "sold";
        context.retried();
      }
    },
    lease: (context) => underLease(context, false),
    "lease-fenced": (context) => underLease(context, true),
  };
  const attempt = attempts[strategy];
  if (!attempt) throw new RangeError(`redis has no strategy ${strategy}`);
  return {
    buy: attempt,
    async record(buyer) {
      await redis.hincrby(keys.sales, buyer, 1);
    },
    async close() {
      redis.disconnect();
    },
  };
}

export async function redisCounter(address: RedisAddress, ns: string): Promise<Counter> {
  const redis = await connect(address);
  const keys = {
    count: `${ns}:count`,
    lock: `${ns}:lock`,
    fence: `${ns}:fence`,
    seen: `${ns}:fence-seen`,
    sales: `${ns}:sales`,
    total: `${ns}:tickets`,
  };
  return {
    async reset(tickets) {
      await redis.multi().set(keys.count, tickets).set(keys.total, tickets).del(keys.lock, keys.fence, keys.seen, keys.sales).exec();
    },
    async remaining() {
      const value = await redis.get(keys.count);
      return value === null ? null : Number(value);
    },
    async total() {
      const value = await redis.get(keys.total);
      return value === null ? null : Number(value);
    },
    async sales() {
      const all = await redis.hgetall(keys.sales);
      return Object.entries(all)
        .map(([buyer, n]) => ({ buyer, sales: Number(n) }))
        .sort((a, b) => a.buyer.localeCompare(b.buyer));
    },
    async close() {
      redis.disconnect();
    },
  };
}
