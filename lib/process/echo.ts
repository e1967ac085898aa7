/**
 * Prints children's output in the root, into the running cell (tslab captures
 * the kernel's console). Lines from different processes arrive over different
 * sockets, so they are held briefly and printed in timestamp order.
 */
import { now } from "../core/clock";
import type { EventOf } from "../core/events";

const holdMs = 25;
type PrintEvent = EventOf<"print">;

const pending: PrintEvent[] = [];
let timer: NodeJS.Timeout | null = null;

/** Queues a `print` event to be echoed as `[name] text`. */
export function echoEvent(event: PrintEvent): void {
  pending.push(event);
  timer ??= setTimeout(flushHeld, holdMs);
}

/** Prints everything queued now (call before a join/run resolves, so its output lands in its cell). */
export function flushEcho(): void {
  flush(Infinity);
}

function flushHeld(): void {
  // Events carry now() times (fractional ms, the shared clock), not Date.now()'s whole wall-clock ms.
  flush(now() - holdMs);
}

/** Prints the queued events stamped at or before `cutoff`, in time order. */
function flush(cutoff: number): void {
  if (timer) clearTimeout(timer);
  timer = null;
  pending.sort((a, b) => a.t - b.t);
  let count = 0;
  while (count < pending.length && pending[count].t <= cutoff) count += 1;
  for (const event of pending.splice(0, count)) printLine(event);
  if (pending.length > 0) timer = setTimeout(flushHeld, holdMs);
}

function printLine(event: PrintEvent): void {
  const text = event.data.text.replace(/\n$/, "");
  const out = event.data.stream === "stderr" ? console.error : console.log;
  for (const line of text.split("\n")) out(`[${event.name}] ${line}`);
}
