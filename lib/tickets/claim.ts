/**
 * One rush at a time per database: a rush claims `<db>.rush` (created exclusively, holding the
 * claimer's pid, process start and the time) and removes it at the end. Two rushes on one file
 * would reset it under each other's buyers and report nonsense ("sold 0, left 2"). A claim whose
 * process is gone (killed, even by SIGKILL) is stale and taken over.
 */
import * as fs from "node:fs";
import { isAlive, selfIdentity } from "../core/pids";
import { reason, shownPath } from "./files";

/** What a claim file holds. */
interface ClaimHolder {
  pid: number;
  /** Process start (clock ticks since boot, see ProcessIdentity), so a reused pid is not taken for the holder. */
  start: number;
  /** When the rush started (ISO 8601). */
  since: string;
}

/** Another rush holds the database: `holder` says who and since when. */
export class RushBusyError extends Error {
  constructor(
    readonly db: string,
    readonly holder: { pid: number; since: string },
  ) {
    const ago = Math.round((Date.now() - Date.parse(holder.since)) / 1000);
    super(
      `another rush is running on ${shownPath(db)}: pid ${holder.pid}${holder.pid === process.pid ? " (this process)" : ""}, ` +
        `started ${holder.since}${Number.isFinite(ago) ? ` (${ago} s ago)` : ""}; wait for it to end, or use another --db / db path`,
    );
    this.name = "RushBusyError";
  }
}

/** Claims held by this process (a claim naming this pid that is not here was left by an earlier process with the same pid). */
const held = new Set<string>();

function parseHolder(text: string): ClaimHolder | null {
  try {
    const data = JSON.parse(text) as Partial<ClaimHolder>;
    return Number.isInteger(data.pid) && typeof data.since === "string"
      ? { pid: data.pid as number, start: Number(data.start) || 0, since: data.since }
      : null;
  } catch {
    return null;
  }
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Creates `file` holding `text`, only if it does not exist; false if it does. The text is written
 * to a temporary file first and linked into place, so nobody ever reads a half-written claim.
 */
function createExclusive(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw error;
    // A file system without hard links: O_EXCL, written at once (a reader may see it empty for a moment).
    try {
      fs.writeFileSync(file, text, { flag: "wx" });
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw inner;
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Claims `db` for one rush; returns the function that releases it. Throws RushBusyError when a
 * running process holds it.
 */
export function claimDb(db: string): () => void {
  const file = `${db}.rush`;
  const self = selfIdentity();
  const text = `${JSON.stringify({ pid: self.pid, start: self.start, since: new Date().toISOString() } satisfies ClaimHolder)}\n`;
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      if (createExclusive(file, text)) {
        held.add(file);
        return () => release(file, text);
      }
    } catch (error) {
      throw new Error(`cannot claim ${shownPath(db)} for a rush (${shownPath(file)}): ${reason(error)}`);
    }
    const found = readOrNull(file);
    if (found === null) continue; // released meanwhile: try again
    const holder = parseHolder(found);
    // A claim being written without hard links can be empty for an instant: give it that instant.
    if (!holder && found === "" && attempt < 5) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      continue;
    }
    const live = holder !== null && (holder.pid === process.pid ? held.has(file) : isAlive({ pid: holder.pid, start: holder.start }));
    if (live) throw new RushBusyError(db, holder);
    // Stale: its process is gone. Remove it only if it is still the claim we judged (another rush may be taking it over too).
    if (readOrNull(file) === found) fs.rmSync(file, { force: true });
  }
  throw new Error(`cannot claim ${shownPath(db)} for a rush: ${shownPath(file)} keeps changing (other rushes starting?)`);
}

function release(file: string, text: string): void {
  held.delete(file);
  try {
    if (readOrNull(file) === text) fs.rmSync(file, { force: true });
  } catch {
    // Nothing to undo: a claim left behind is stale once this process ends, and is taken over.
  }
}
