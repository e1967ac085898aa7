/** Opens the seller or the counter of whichever engine an address names. */
import { describeAddress, type StoreAddress } from "./address";
import { etcdCounter, etcdSeller } from "./etcd-store";
import { fileCounter, fileSeller } from "./file-store";
import { postgresCounter, postgresSeller } from "./postgres-store";
import { redisCounter, redisSeller } from "./redis-store";
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
  return naming(address, () => {
    switch (address.engine) {
      case "postgres":
        return postgresSeller(address, strategy, namespace);
      case "redis":
        return redisSeller(address, strategy, namespace);
      case "etcd":
        return etcdSeller(address, strategy, namespace);
      case "file":
        return fileSeller(address, strategy);
    }
  });
}

export function openCounter(address: StoreAddress, namespace: string): Promise<Counter> {
  return naming(address, () => {
    switch (address.engine) {
      case "postgres":
        return postgresCounter(address, namespace);
      case "redis":
        return redisCounter(address, namespace);
      case "etcd":
        return etcdCounter(address, namespace);
      case "file":
        return fileCounter(address);
    }
  });
}
