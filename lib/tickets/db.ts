/**
 * The article's database: a JSON file `{"count": N}` (data/db.json by default),
 * with its functions `show()` and `buy()` — synchronous reads and writes, as in
 * the Python original — plus `resetDb` and `readDb` for setting up and checking.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir, defaultDbPath } from "../core/paths";

/** What db.json holds. */
export interface TicketDb {
  /** Tickets left. */
  count: number;
}

function checkCount(count: unknown, what: string): number {
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new TypeError(`${what} must be a non-negative integer, got ${JSON.stringify(count) ?? String(count)}`);
  }
  return count;
}

/** Parses db.json text; throws naming the file when it is not `{"count": <non-negative integer>}`. */
export function parseDb(text: string, file: string = defaultDbPath): TicketDb {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new SyntaxError(
      `ticket database ${file} is not valid JSON (${(error as Error).message}): ${JSON.stringify(shown)}; resetDb(count) repairs it`,
    );
  }
  if (typeof data !== "object" || data === null || !("count" in data)) {
    throw new TypeError(`ticket database ${file} must hold an object {"count": N}, got ${JSON.stringify(data)}`);
  }
  return { ...(data as object), count: checkCount((data as { count: unknown }).count, `"count" in ${file}`) } as TicketDb;
}

/** Writes `data` so that no reader ever sees a partial file: write a temporary file, then rename it over the old one. */
export function writeDbAtomic(data: TicketDb, file: string = defaultDbPath): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, JSON.stringify(data));
  fs.renameSync(temp, file);
}

/** The project's data folder is made on demand; any other folder must exist (a typo must not create folders). */
function ensureFolder(dir: string): void {
  if (path.resolve(dir) === dataDir) fs.mkdirSync(dir, { recursive: true });
  else if (!fs.existsSync(dir))
    throw new Error(`no folder ${dir} for the ticket database: create it first, or leave the path out to use ${defaultDbPath}`);
}

/** Starts a sale: db.json holds `count` tickets. Always leaves a valid file (atomic write), repairing a corrupt one. */
export function resetDb(count: number, file: string = defaultDbPath): TicketDb {
  const data = { count: checkCount(count, "resetDb: count") };
  ensureFolder(path.dirname(file));
  writeDbAtomic(data, file);
  return data;
}

/** Reads db.json; throws a clear error when it is missing or malformed. */
export function readDb(file: string = defaultDbPath): TicketDb {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(`no ticket database at ${file}; create it with resetDb(count)`);
    }
    throw error;
  }
  return parseDb(text, file);
}

/** The article's show(): prints and returns the tickets left. */
export function show(file: string = defaultDbPath): number {
  const { count } = readDb(file);
  console.log(`剩余票数 tickets left: ${count}`);
  return count;
}

/**
 * The article's buy(): read the count; if a ticket is left, write count − 1
 * back and print 购买成功. The write truncates the file and then writes it,
 * like Python's open('db.json', 'w'), so a reader can catch it empty.
 */
export function buy(file: string = defaultDbPath): boolean {
  const data = readDb(file);
  if (data.count <= 0) return false;
  fs.writeFileSync(file, JSON.stringify({ ...data, count: data.count - 1 }));
  console.log("购买成功 bought a ticket");
  return true;
}
