/**
 * The article's database: a JSON file `{"count": N}` (data/db.json by default),
 * with its functions `show()` and `buy()` — synchronous reads and writes, as in
 * the Python original — plus `resetDb` and `readDb` for setting up and checking.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir, defaultDbPath } from "../core/paths";
import { showInput } from "../core/text";
import { readSmallFile, reason, shownPath, writableFileProblem, FileReadError } from "./files";

/** What db.json holds. */
export interface TicketDb {
  /** Tickets left. */
  count: number;
}

/** db.json is one small object: anything bigger is not a ticket database (and would take long to fail). */
const maxDbBytes = 1024 * 1024;

/**
 * A count must be a safe non-negative integer: 2**60 would not survive a decrement exactly.
 * `text`: how the value was written (in db.json), shown instead of what JSON made of it (1e400 → Infinity).
 */
function checkCount(count: unknown, what: string, text?: string): number {
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
    const written = text ?? showInput(count);
    const why =
      typeof count === "number" && !Number.isFinite(count)
        ? `, which is not a finite number`
        : typeof count === "number" && Number.isInteger(count) && !Number.isSafeInteger(count)
          ? `, which is too large to count exactly (the largest is ${Number.MAX_SAFE_INTEGER})`
          : "";
    throw new TypeError(`${what} must be a non-negative integer, got ${written}${why}`);
  }
  return count;
}

/** How "count" is written in `text`, when it can be found (for messages), cut when long. */
function countText(text: string): string | undefined {
  const written = /"count"\s*:\s*(-?[\d.eE+-]+)/.exec(text)?.[1];
  if (written === undefined || written.length <= 60) return written;
  return `${written.slice(0, 60)}… (${written.length} characters)`;
}

/** The path argument of resetDb, readDb, writeDbAtomic…: a non-empty string (not a file descriptor). */
function checkPath(file: unknown, what: string): string {
  if (typeof file !== "string" || file === "") {
    throw new TypeError(`${what}: the ticket database must be a file path (a non-empty string), got ${showInput(file)}`);
  }
  return file;
}

/** Parses db.json text; throws naming the file when it is not `{"count": <non-negative integer>}`. */
export function parseDb(text: string, file: string = defaultDbPath): TicketDb {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `ticket database ${shownPath(file)} is not valid JSON (${(error as Error).message}): ${showInput(text, 40)}; resetDb(count) repairs it`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data) || !("count" in data)) {
    throw new TypeError(`ticket database ${shownPath(file)} must hold an object {"count": N}, got ${showInput(data)}`);
  }
  const count = (data as { count: unknown }).count;
  return { ...(data as object), count: checkCount(count, `"count" in ${shownPath(file)}`, countText(text)) } as TicketDb;
}

/**
 * Writes `data` so that no reader ever sees a partial file: write a temporary file, then rename it
 * over the old one. A failed write leaves the old file as it was, and no temporary file behind.
 */
export function writeDbAtomic(data: TicketDb, file: string = defaultDbPath): void {
  checkPath(file, "writeDbAtomic");
  if (typeof data !== "object" || data === null)
    throw new TypeError(`writeDbAtomic: data must be an object {"count": N}, got ${showInput(data)}`);
  checkCount(data.count, "writeDbAtomic: count");
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, JSON.stringify(data));
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const folder = path.dirname(path.resolve(file));
    const why =
      code === "EISDIR"
        ? "it is a folder; expected a file path"
        : code === "ENOENT" && !fs.existsSync(folder)
          ? `its folder ${shownPath(folder)} does not exist`
          : reason(error);
    throw new Error(`cannot write ticket database ${shownPath(file)}: ${why}`);
  }
}

/** The project's data folder is made on demand; any other folder must exist (a typo must not create folders). */
export function ensureDbFolder(file: string): void {
  const dir = path.dirname(path.resolve(file));
  if (dir === dataDir) fs.mkdirSync(dir, { recursive: true });
  else if (!fs.existsSync(dir))
    throw new Error(
      `no folder ${shownPath(dir)} for the ticket database: create it first, or leave the path out to use ${shownPath(defaultDbPath)}`,
    );
}

/**
 * Why `file` cannot be a ticket database, or null: it must be a regular file, or not exist yet in
 * an existing writable folder (the data folder is made on demand); never a folder, FIFO or device.
 */
export function dbPathProblem(file: unknown): string | null {
  return writableFileProblem(file, "the ticket database", "db.json", dataDir);
}

/** Starts a sale: db.json holds `count` tickets. Always leaves a valid file (atomic write), repairing a corrupt one. */
export function resetDb(count: number, file: string = defaultDbPath): TicketDb {
  const data = { count: checkCount(count, "resetDb: count") };
  checkPath(file, "resetDb");
  ensureDbFolder(file);
  const problem = dbPathProblem(file);
  if (problem) throw new Error(`resetDb: ${problem}`);
  writeDbAtomic(data, file);
  return data;
}

/** Reads db.json; throws a clear error when it is missing, not a small regular file, or malformed. */
export function readDb(file: string = defaultDbPath): TicketDb {
  checkPath(file, "readDb");
  let text: string;
  try {
    text = readSmallFile(file, "ticket database", maxDbBytes);
  } catch (error) {
    if (error instanceof FileReadError && error.missing)
      throw new Error(`no ticket database at ${shownPath(file)}; create it with resetDb(count)`);
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
