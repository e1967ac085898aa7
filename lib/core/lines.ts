/**
 * JSON lines over a stream (a Unix socket between proclab processes): one JSON value per
 * line. node:readline does the framing; this adds only the JSON.
 */
import * as readline from "node:readline";
import type { Readable, Writable } from "node:stream";

/** Calls `onMessage` with each JSON line that arrives on `stream` (blank lines are skipped). */
export function readJsonLines<T>(stream: Readable, onMessage: (message: T) => void): void {
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim() !== "") onMessage(JSON.parse(line) as T);
  });
}

/** Writes `message` as one JSON line, unless the stream has ended. */
export function writeJsonLine(stream: Writable & { destroyed: boolean }, message: unknown): void {
  if (!stream.destroyed && stream.writable) stream.write(`${JSON.stringify(message)}\n`);
}
