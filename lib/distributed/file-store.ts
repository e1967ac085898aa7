/**
 * The file rush's store, as a baseline beside the servers: db.json on this machine's disk and
 * proclab's Lock (a folder next to it). Buyers here share a file system, which machines do not:
 * it is the yardstick, not a way across machines. Sales are recorded as lines of `<db>.sales`.
 */
import * as fs from "node:fs";
import { Lock } from "../lock";
import { readDb, resetDb, writeDbAtomic } from "../tickets/db";
import type { StoreAddress } from "./address";
import type { Attempt, Counter, SellContext, Seller } from "./seller";

type FileAddress = Extract<StoreAddress, { engine: "file" }>;

export async function fileSeller(address: FileAddress, strategy: string): Promise<Seller> {
  const db = address.path;
  const sell = async (context: SellContext): Promise<Attempt> => {
    const { count } = readDb(db);
    await context.afterRead();
    if (count <= 0) return "none-left";
    writeDbAtomic({ count: count - 1 }, db);
    return "sold";
  };
  const lock = strategy === "lock" ? new Lock(`${db}.lock`) : null;
  if (strategy !== "lock" && strategy !== "naive") throw new RangeError(`file has no strategy ${strategy}`);
  return {
    buy: (context) => (lock ? lock.withLock(() => sell(context)) : sell(context)),
    async record(buyer) {
      fs.appendFileSync(`${db}.sales`, `${buyer}\n`);
    },
    async close() {},
  };
}

export async function fileCounter(address: FileAddress): Promise<Counter> {
  const db = address.path;
  const totalFile = `${db}.tickets`;
  return {
    async reset(tickets) {
      resetDb(tickets, db);
      fs.writeFileSync(totalFile, String(tickets));
      fs.rmSync(`${db}.sales`, { force: true });
    },
    async remaining() {
      return readDb(db).count;
    },
    async total() {
      return fs.existsSync(totalFile) ? Number(fs.readFileSync(totalFile, "utf8")) : null;
    },
    async sales() {
      const lines = fs.existsSync(`${db}.sales`) ? fs.readFileSync(`${db}.sales`, "utf8").split("\n").filter(Boolean) : [];
      const per = new Map<string, number>();
      for (const buyer of lines) per.set(buyer, (per.get(buyer) ?? 0) + 1);
      return [...per].map(([buyer, sales]) => ({ buyer, sales })).sort((a, b) => a.buyer.localeCompare(b.buyer));
    },
    async close() {},
  };
}
