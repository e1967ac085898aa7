/**
 * `Barrier`: Python's multiprocessing.Barrier for proclab processes. `parties`
 * processes call `wait()`; none returns until all have arrived, then all go
 * together (within a fraction of a millisecond: one write to each). It is
 * reusable, like Python's: the next `wait()` is the next round.
 *
 * An experiment uses it to make a race certain instead of likely: processes
 * that start ~65 ms apart reach a critical section together.
 * The root owns a Unix socket; children get the barrier in `args`.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { readJsonLines, writeJsonLine } from "../core/lines";
import { registerReviver, TRANSFER, type Transfer, type Transferable } from "../core/transfer";

interface BarrierState {
  socketPath: string;
  parties: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Link {
  socket: net.Socket;
  waiters: Waiter[];
}

/** A party tells the owner it arrived; the owner tells every party of a full round to go. */
type BarrierMessage = "arrive" | "go";

let created = 0;
/** Set only while the reviver builds a party's handle on an existing barrier. */
let attaching: BarrierState | null = null;

export class Barrier implements Transferable {
  readonly parties: number;
  readonly #socketPath: string;
  #server: net.Server | null = null;
  #link: Link | null = null;

  /** A new barrier for `parties` processes (owned by this process, which must stay alive while they wait). */
  constructor(parties: number) {
    if (!Number.isInteger(parties) || parties < 1) throw new RangeError(`Barrier: parties must be a positive integer, got ${parties}`);
    this.parties = parties;
    if (attaching) {
      this.#socketPath = attaching.socketPath;
      return;
    }
    created += 1;
    this.#socketPath = path.join(os.tmpdir(), `proclab-barrier-${process.pid}-${created}.sock`);
    fs.rmSync(this.#socketPath, { force: true });
    this.#server = serve(this.#socketPath, parties);
  }

  /** Resolves once all `parties` processes have called wait() for this round; rejects after `timeoutMs`. */
  wait(timeoutMs = 30_000): Promise<void> {
    const link = (this.#link ??= this.#connect());
    link.socket.ref(); // a waiting process must not exit
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        link.waiters.splice(link.waiters.indexOf(waiter), 1);
        if (link.waiters.length === 0) link.socket.unref();
        if (error) reject(error);
        else resolve();
      };
      const waiter: Waiter = { resolve: () => settle(), reject: settle };
      const timer = setTimeout(
        () => settle(new Error(`Barrier.wait: not all ${this.parties} parties arrived within ${timeoutMs} ms`)),
        timeoutMs,
      );
      link.waiters.push(waiter);
      writeJsonLine(link.socket, "arrive" satisfies BarrierMessage);
    });
  }

  /** Stops serving (owner only); parties still waiting are left waiting until their timeout. */
  close(): void {
    this.#link?.socket.destroy();
    this.#link = null;
    if (!this.#server) return;
    this.#server.close();
    this.#server = null;
    fs.rmSync(this.#socketPath, { force: true });
  }

  #connect(): Link {
    const socket = net.createConnection(this.#socketPath);
    const link: Link = { socket, waiters: [] };
    socket.setNoDelay(true);
    readJsonLines<BarrierMessage>(socket, () => link.waiters[0]?.resolve()); // "go"
    socket.on("error", (error) => {
      const failed = new Error(`Barrier: lost the connection to its owner at ${this.#socketPath}: ${error.message}`);
      for (const waiter of [...link.waiters]) waiter.reject(failed);
    });
    return link;
  }

  [TRANSFER](): Transfer<BarrierState> {
    return { kind: "Barrier", module: __filename, state: { socketPath: this.#socketPath, parties: this.parties } };
  }
}

/** The owner's side: counts arrivals of the current round, and releases them all on the last one. */
function serve(socketPath: string, parties: number): net.Server {
  let arrived: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.unref();
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    readJsonLines<BarrierMessage>(socket, () => {
      // "arrive"
      arrived.push(socket);
      if (arrived.length < parties) return;
      const round = arrived;
      arrived = [];
      for (const party of round) writeJsonLine(party, "go" satisfies BarrierMessage);
    });
  });
  server.listen(socketPath);
  server.unref();
  return server;
}

registerReviver("Barrier", (state) => {
  const s = state as Partial<BarrierState> | null;
  if (typeof s?.socketPath !== "string" || typeof s.parties !== "number") {
    throw new TypeError(`Barrier: cannot revive from ${JSON.stringify(state)}: expected { socketPath: string, parties: number }`);
  }
  attaching = { socketPath: s.socketPath, parties: s.parties };
  try {
    return new Barrier(s.parties);
  } finally {
    attaching = null;
  }
});
