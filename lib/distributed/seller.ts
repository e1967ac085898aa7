/**
 * What every engine's module offers: a buyer's side (`Seller`: sell one ticket under a
 * strategy) and the organiser's side (`Counter`: set up the sale, count what is left and what
 * was sold). Both connect to the same store, each over its own connection.
 */

/** What one attempt to buy ended with. */
export type Attempt = "sold" | "none-left" | "rejected";

/** Hooks a buyer gives the strategy. */
export interface SellContext {
  /** Called right after the count was read (holding the lock, if any): where a pause demo stops a buyer. */
  afterRead(): Promise<void>;
  /** Counts a retry (a failed transaction, a lock taken by another buyer). */
  retried(): void;
  /** A lease lock's time to live, ms. */
  leaseMs: number;
}

export interface Seller {
  /** One purchase attempt: the strategy's read → write. */
  buy(context: SellContext): Promise<Attempt>;
  /** Records a sale where the whole class can see it (the class rush). */
  record(buyer: string): Promise<void>;
  close(): Promise<void>;
}

export interface Counter {
  /** A fresh sale: `tickets` left, no sales, no lock held, fencing state cleared. */
  reset(tickets: number): Promise<void>;
  /** Tickets left (null when the store cannot say). */
  remaining(): Promise<number | null>;
  /** Tickets the last reset put on sale (null: never reset). */
  total(): Promise<number | null>;
  /** Sales recorded by `record`, per buyer name. */
  sales(): Promise<{ buyer: string; sales: number }[]>;
  close(): Promise<void>;
}

/** Names of the store's tables and keys: one namespace per course ("proclab"), so nothing else is touched. */
export const defaultNamespace = "proclab";

export function checkNamespace(namespace: string): string {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(namespace))
    throw new RangeError(
      `namespace must be lower-case letters, digits and _ (a table name), starting with a letter, got ${JSON.stringify(namespace)}`,
    );
  return namespace;
}

export { sleep } from "../core/clock";
