/**
 * PostgreSQL: the count is a row in `<ns>_tickets`; sales of a class rush are rows of `<ns>_sales`.
 * Uses `pg` (node-postgres), one connection per buyer.
 */
import { Client } from "pg";
import type { StoreAddress } from "./address";
import { sleep, type Attempt, type Counter, type SellContext, type Seller } from "./seller";

type PgAddress = Extract<StoreAddress, { engine: "postgres" }>;

async function connect(address: PgAddress): Promise<Client> {
  // Bounded waits: a server that stops answering (stopped, a dropped network) fails a query in 10 s, never hangs.
  const client = new Client({ ...address.connection, connectionTimeoutMillis: 10_000, query_timeout: 10_000 });
  await client.connect();
  // A connection that breaks mid-rush surfaces as an error of the query, not an unhandled event.
  client.on("error", () => undefined);
  return client;
}

const advisoryKey = 80_085; // any number: the advisory lock's name

export async function postgresSeller(address: PgAddress, strategy: string, ns: string): Promise<Seller> {
  const db = await connect(address);
  const table = `${ns}_tickets`;
  const read = async (forUpdate = false): Promise<number> =>
    (await db.query<{ count: number }>(`SELECT count FROM ${table} WHERE id = 1${forUpdate ? " FOR UPDATE" : ""}`)).rows[0].count;
  const write = (count: number): Promise<unknown> => db.query(`UPDATE ${table} SET count = $1 WHERE id = 1`, [count]);
  /** read → write inside a transaction opened by `begin`. */
  const inTransaction = async (begin: string, context: SellContext, lock: () => Promise<unknown>, forUpdate = false): Promise<Attempt> => {
    await db.query(begin);
    try {
      await lock();
      const count = await read(forUpdate);
      await context.afterRead();
      if (count <= 0) {
        await db.query("COMMIT");
        return "none-left";
      }
      await write(count - 1);
      await db.query("COMMIT");
      return "sold";
    } catch (error) {
      await db.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  };
  const none = async (): Promise<void> => undefined;
  const attempts: Record<string, (context: SellContext) => Promise<Attempt>> = {
    async naive(context) {
      const count = await read();
      await context.afterRead();
      if (count <= 0) return "none-left";
      await write(count - 1);
      return "sold";
    },
    async atomic() {
      const result = await db.query(`UPDATE ${table} SET count = count - 1 WHERE id = 1 AND count > 0 RETURNING count`);
      return result.rowCount === 1 ? "sold" : "none-left";
    },
    "for-update": (context) => inTransaction("BEGIN", context, none, true),
    advisory: (context) => inTransaction("BEGIN", context, () => db.query("SELECT pg_advisory_xact_lock($1)", [advisoryKey])),
    async serializable(context) {
      for (;;) {
        try {
          return await inTransaction("BEGIN ISOLATION LEVEL SERIALIZABLE", context, none);
        } catch (error) {
          // 40001: could not serialize; 40P01: deadlock. Both mean: try the whole transaction again.
          const code = (error as { code?: string }).code;
          if (code !== "40001" && code !== "40P01") throw error;
          context.retried();
          await sleep(Math.random() * 2);
        }
      }
    },
  };
  const attempt = attempts[strategy];
  if (!attempt) throw new RangeError(`postgres has no strategy ${strategy}`);
  return {
    buy: attempt,
    async record(buyer) {
      await db.query(`INSERT INTO ${ns}_sales (buyer) VALUES ($1)`, [buyer]);
    },
    close: () => db.end().catch(() => undefined),
  };
}

export async function postgresCounter(address: PgAddress, ns: string): Promise<Counter> {
  const db = await connect(address);
  const table = `${ns}_tickets`;
  // Created when missing (a private server, the teacher's side); a class's students may not create tables.
  if ((await db.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${ns}_sales`])).rows[0].t === null) {
    await db.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, count int NOT NULL, total int NOT NULL)`);
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${ns}_sales (id bigserial PRIMARY KEY, buyer text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    );
  }
  return {
    async reset(tickets) {
      await db.query(
        `INSERT INTO ${table} (id, count, total) VALUES (1, $1, $1) ON CONFLICT (id) DO UPDATE SET count = EXCLUDED.count, total = EXCLUDED.total`,
        [tickets],
      );
      await db.query(`TRUNCATE ${ns}_sales`);
    },
    async remaining() {
      const rows = (await db.query<{ count: number }>(`SELECT count FROM ${table} WHERE id = 1`)).rows;
      return rows[0]?.count ?? null;
    },
    async total() {
      const rows = (await db.query<{ total: number }>(`SELECT total FROM ${table} WHERE id = 1`)).rows;
      return rows[0]?.total ?? null;
    },
    async sales() {
      const rows = (
        await db.query<{ buyer: string; sales: string }>(`SELECT buyer, count(*) AS sales FROM ${ns}_sales GROUP BY buyer ORDER BY buyer`)
      ).rows;
      return rows.map((row) => ({ buyer: row.buyer, sales: Number(row.sales) }));
    },
    close: () => db.end().catch(() => undefined),
  };
}
