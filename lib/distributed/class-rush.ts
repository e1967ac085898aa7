/**
 * The class rush: every student's buyers, on their own machines, rush one server the teacher
 * runs. The teacher starts it (`startClassServer`: PostgreSQL on TCP, a role and a database of
 * its own, a password), puts tickets on sale (`openClassRush`) and watches the tally live
 * (`watchClassRush`); students run `proclab rush --store <url> --name <who>`.
 */
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import { Client } from "pg";
import { updatingDisplay, inNotebook } from "../core/notebook";
import { textTable } from "../core/text";
import { freePort, startPostgres, type PostgresServer } from "../servers";
import { describeAddress, parseStoreUrl, type StoreAddress } from "./address";
import { openCounter } from "./connect";
import { defaultNamespace } from "./seller";

export interface ClassServer {
  /** What students pass to `--store` (password included: share it with the class only). */
  url: string;
  /**
   * The teacher's own way in: the Unix socket, as the server's owner. Open the sale and watch the
   * tally with it: a student who changes the class role's password cannot lock the teacher out.
   */
  teacher: StoreAddress;
  server: PostgresServer;
  stop(): Promise<void>;
}

export interface ClassServerOptions {
  /** Address to listen on. Default 0.0.0.0 (every interface). */
  listen?: string;
  /** TCP port. Default: a free one. */
  port?: number;
  /** The host name or address students reach this machine by. Default: this machine's first non-loopback IPv4 address. */
  advertise?: string;
  /** Default: 16 random characters. */
  password?: string;
}

const role = "proclab_class";
const database = "proclab";

function firstAddress(): string {
  for (const list of Object.values(os.networkInterfaces()))
    for (const entry of list ?? []) if (entry.family === "IPv4" && !entry.internal) return entry.address;
  return "127.0.0.1";
}

/** A PostgreSQL for the whole class: TCP, a role and database of its own (nothing else is touched), a password. */
export async function startClassServer(options: ClassServerOptions = {}): Promise<ClassServer> {
  const password = options.password ?? randomBytes(12).toString("base64url");
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(password)) throw new RangeError("password: use 8 to 64 letters, digits, - or _");
  const port = options.port ?? (await freePort("0.0.0.0"));
  const server = await startPostgres({ tcp: { host: options.listen ?? "0.0.0.0", port } });
  const teacher: StoreAddress = { engine: "postgres", connection: { ...server.connection, database } };
  try {
    // The class's role may buy (read and update the count, record a sale) and nothing else: the
    // database, its schema and tables belong to the teacher (the server's owner).
    await asAdmin(server.connection, [
      `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`,
      `CREATE DATABASE ${database}`,
      `REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC`,
    ]);
    const counter = await openCounter(teacher, defaultNamespace); // creates the tables, as the teacher
    await counter.close();
    await asAdmin(teacher.connection, [
      `REVOKE ALL ON SCHEMA public FROM PUBLIC`,
      `GRANT USAGE ON SCHEMA public TO ${role}`,
      `GRANT SELECT, UPDATE ON ${defaultNamespace}_tickets TO ${role}`,
      `GRANT SELECT, INSERT ON ${defaultNamespace}_sales TO ${role}`,
      `GRANT USAGE ON SEQUENCE ${defaultNamespace}_sales_id_seq TO ${role}`,
    ]);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const host = options.advertise ?? firstAddress();
  return { url: `postgres://${role}:${password}@${host}:${port}/${database}`, teacher, server, stop: () => server.stop() };
}

async function asAdmin(connection: PostgresServer["connection"], statements: readonly string[]): Promise<void> {
  const admin = new Client(connection);
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}

function addressOf(store: string | StoreAddress): StoreAddress {
  return typeof store === "string" ? parseStoreUrl(store) : store;
}

/** Puts `tickets` on sale for the class: a fresh count, no sales. */
export async function openClassRush(store: string | StoreAddress, options: { tickets: number; namespace?: string }): Promise<void> {
  if (!Number.isInteger(options?.tickets) || options.tickets < 1)
    throw new RangeError(`tickets must be a positive integer, got ${options?.tickets}`);
  const counter = await openCounter(addressOf(store), options.namespace ?? defaultNamespace);
  try {
    await counter.reset(options.tickets);
  } finally {
    await counter.close();
  }
}

export interface ClassTally {
  store: string;
  tickets: number | null;
  left: number | null;
  /** Purchases confirmed to buyers, over the class. */
  sold: number;
  oversold: number;
  /** Per student (the part of a buyer's name before "/"): tickets bought, and by how many buyers. */
  students: { student: string; bought: number; buyers: number }[];
}

/** Who bought what so far. */
export async function classTally(store: string | StoreAddress, options: { namespace?: string } = {}): Promise<ClassTally> {
  const address = addressOf(store);
  const counter = await openCounter(address, options.namespace ?? defaultNamespace);
  try {
    // One connection answers one query at a time: ask in turn.
    const tickets = await counter.total();
    const left = await counter.remaining();
    const sales = await counter.sales();
    const per = new Map<string, { bought: number; buyers: Set<string> }>();
    for (const { buyer, sales: n } of sales) {
      const student = buyer.split("/")[0];
      const entry = per.get(student) ?? { bought: 0, buyers: new Set<string>() };
      entry.bought += n;
      entry.buyers.add(buyer);
      per.set(student, entry);
    }
    const sold = sales.reduce((n, s) => n + s.sales, 0);
    return {
      store: describeAddress(address),
      tickets,
      left,
      sold,
      oversold: tickets === null ? 0 : Math.max(0, sold - tickets),
      students: [...per]
        .map(([student, e]) => ({ student, bought: e.bought, buyers: e.buyers.size }))
        .sort((a, b) => a.student.localeCompare(b.student)),
    };
  } finally {
    await counter.close();
  }
}

export function classTallyText(tally: ClassTally): string {
  const verdict =
    tally.tickets === null
      ? "no sale opened yet"
      : tally.oversold > 0
        ? `OVERSOLD: ${tally.sold} sold of ${tally.tickets} tickets (${tally.oversold} that did not exist)`
        : `${tally.sold} sold of ${tally.tickets} tickets, ${tally.left} left: not oversold`;
  const table = textTable(
    ["student", "bought", "buyers"],
    tally.students.map((s) => [s.student, String(s.bought), String(s.buyers)]),
  );
  return `${tally.store} · ${verdict}\n${table}`;
}

/** Shows the tally, updated every `everyMs` (default 500) for `seconds` (default 60); resolves with the last one. */
export async function watchClassRush(
  store: string | StoreAddress,
  options: { seconds?: number; everyMs?: number; namespace?: string } = {},
): Promise<ClassTally> {
  const seconds = options.seconds ?? 60;
  const everyMs = options.everyMs ?? 500;
  if (!(seconds > 0 && seconds <= 3600)) throw new RangeError(`seconds must be from 0 to 3600, got ${seconds}`);
  const display = inNotebook() ? updatingDisplay() : null;
  const deadline = Date.now() + seconds * 1000;
  let tally = await classTally(store, options);
  for (;;) {
    const text = classTallyText(tally);
    if (display) display.update({ "text/plain": text });
    else process.stderr.write(`${text}\n`);
    if (Date.now() + everyMs > deadline) return tally;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    tally = await classTally(store, options);
  }
}
