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
    throw new Error(`could not connect to ${describeAddress(address)}: ${(error as Error).message || String(error)}`, { cause: error });
  }
}

// Loaded outside naming(): a missing client library is an installation problem, not the server's.
export async function openSeller(address: StoreAddress, strategy: string, namespace: string): Promise<Seller> {
  switch (address.engine) {
    case "postgres": {
      const { postgresSeller } = await import("./postgres-store");
      return naming(address, () => postgresSeller(address, strategy, namespace));
    }
    case "redis": {
      const { redisSeller } = await import("./redis-store");
      return naming(address, () => redisSeller(address, strategy, namespace));
    }
    case "etcd": {
      const { etcdSeller } = await import("./etcd-store");
      return naming(address, () => etcdSeller(address, strategy, namespace));
    }
    case "file": {
      const { fileSeller } = await import("./file-store");
      return naming(address, () => fileSeller(address, strategy));
    }
  }
}

export async function openCounter(address: StoreAddress, namespace: string): Promise<Counter> {
  switch (address.engine) {
    case "postgres": {
      const { postgresCounter } = await import("./postgres-store");
      return naming(address, () => postgresCounter(address, namespace));
    }
    case "redis": {
      const { redisCounter } = await import("./redis-store");
      return naming(address, () => redisCounter(address, namespace));
    }
    case "etcd": {
      const { etcdCounter } = await import("./etcd-store");
      return naming(address, () => etcdCounter(address, namespace));
    }
    case "file": {
      const { fileCounter } = await import("./file-store");
      return naming(address, () => fileCounter(address));
    }
  }
}
