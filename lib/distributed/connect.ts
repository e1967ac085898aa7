/**
 * Opens the seller or the counter of whichever engine an address names. Each engine's module
 * (and its client library) is loaded on first use: a buyer process of a PostgreSQL rush does not
 * spend ~0.3 s of CPU loading etcd3 and ioredis, eight buyers at a time on a small machine.
 */
import { describeAddress, type StoreAddress } from "./address";
import type { Counter, Seller } from "./seller";

/** Connection failures say which store, in words, not only errno text. */
async function naming<T>(address: StoreAddress, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw new Error(`could not connect to ${describeAddress(address)}: ${(error as Error).message || String(error)}`);
  }
}

export function openSeller(address: StoreAddress, strategy: string, namespace: string): Promise<Seller> {
  return naming(address, async () => {
    switch (address.engine) {
      case "postgres":
        return (await import("./postgres-store")).postgresSeller(address, strategy, namespace);
      case "redis":
        return (await import("./redis-store")).redisSeller(address, strategy, namespace);
      case "etcd":
        return (await import("./etcd-store")).etcdSeller(address, strategy, namespace);
      case "file":
        return (await import("./file-store")).fileSeller(address, strategy);
    }
  });
}

export function openCounter(address: StoreAddress, namespace: string): Promise<Counter> {
  return naming(address, async () => {
    switch (address.engine) {
      case "postgres":
        return (await import("./postgres-store")).postgresCounter(address, namespace);
      case "redis":
        return (await import("./redis-store")).redisCounter(address, namespace);
      case "etcd":
        return (await import("./etcd-store")).etcdCounter(address, namespace);
      case "file":
        return (await import("./file-store")).fileCounter(address);
    }
  });
}
