/**
 * JSON lines over a stream (a Unix socket between proclab processes): one JSON value per line.
 * The framing is ours, not node:readline's: readline re-emits the socket's errors (uncaught, in
 * the root) and hands over a half-written last line when a writer dies mid-line. Here a line
 * counts only once its newline has arrived, a line that is not JSON is dropped, and the
 * stream's errors stay with its owner.
 */
import type { Readable, Writable } from "node:stream";

/** Calls `onMessage` with each complete JSON line that arrives on `stream` (blank and unparsable lines are skipped). */
export function readJsonLines<T>(stream: Readable, onMessage: (message: T) => void): void {
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffered += chunk;
    let end = buffered.indexOf("\n");
    while (end >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.trim() !== "") {
        let message: T;
        try {
          message = JSON.parse(line) as T;
        } catch {
          message = undefined as T; // not JSON: a writer that died mid-line, or not one of ours
        }
        if (message !== undefined) onMessage(message);
      }
      end = buffered.indexOf("\n");
    }
  });
}

/** Writes `message` as one JSON line, unless the stream has ended. */
export function writeJsonLine(stream: Writable & { destroyed: boolean }, message: unknown): void {
  if (!stream.destroyed && stream.writable) stream.write(`${JSON.stringify(message)}\n`);
}
