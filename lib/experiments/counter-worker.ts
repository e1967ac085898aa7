/**
 * One process of the counter job (`node counter-worker.js <kind> <counter> <lock> <cycles>`):
 * `cycles` times: take the lock, read the counter file, write it back plus one,
 * release. Prints `ready`, waits for a line on stdin (so all workers start
 * together), then prints one `request acquired released` line per cycle (ms,
 * `now()` clock), the format the Python and C workers print too.
 */
import * as fs from "node:fs";
import { now } from "../core/clock";

/** One lock kind, called as directly as it allows: harness overhead would count as handoff time. */
interface Locker {
  acquire(): Promise<unknown>;
  /** A promise only where the kind's release is asynchronous (proper-lockfile). */
  release(): Promise<unknown> | void;
}

function locker(kind: string, lockPath: string): Locker {
  if (kind === "proclab") {
    const { Lock } = require("../lock/lock") as typeof import("../lock/lock");
    const lock = new Lock(lockPath);
    return { acquire: () => lock.acquire(), release: () => lock.release() };
  }
  if (kind === "proper-lockfile") {
    const lockfile = require("proper-lockfile") as typeof import("proper-lockfile");
    // Its own polling, as fast as it goes: the baseline proclab's wake-ups are measured against.
    const options = { realpath: false, retries: { forever: true, minTimeout: 1, maxTimeout: 1, factor: 1 } };
    let unlock: () => Promise<void> = () => Promise.resolve();
    return {
      acquire: async () => (unlock = await lockfile.lock(lockPath, options)),
      release: () => unlock(),
    };
  }
  if (kind === "none") return { acquire: () => Promise.resolve(), release: () => undefined };
  throw new Error(`counter-worker: unknown kind ${JSON.stringify(kind)}; expected proclab, proper-lockfile or none`);
}

async function main([kind, counter, lockPath, cyclesText]: string[]): Promise<void> {
  const cycles = Number(cyclesText);
  if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`counter-worker: cycles must be a positive integer, got ${cyclesText}`);
  const lock = locker(kind, lockPath);
  const times = new Float64Array(cycles * 3);
  process.stdout.write("ready\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  for (let i = 0; i < cycles; i++) {
    times[3 * i] = now();
    await lock.acquire();
    times[3 * i + 1] = now();
    fs.writeFileSync(counter, String(Number(fs.readFileSync(counter, "utf8")) + 1));
    times[3 * i + 2] = now();
    const released = lock.release();
    if (released) await released;
  }
  const lines: string[] = [];
  for (let i = 0; i < cycles; i++) lines.push(`${times[3 * i].toFixed(4)} ${times[3 * i + 1].toFixed(4)} ${times[3 * i + 2].toFixed(4)}`);
  process.stdout.write(lines.join("\n") + "\n");
  process.stdin.destroy();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
