/**
 * One buyer of a rush on a shared server, run in its own process (a WorkerPool module target:
 * `{ module: storeBuyerModule, export: "runStoreBuyer" }`). It buys until the store says no
 * ticket is left, timing each purchase. Nothing it knows comes from another buyer: they share
 * only the server, as buyers on different machines would.
 */
import { now, sleep } from "../core/clock";
import { askParent } from "../process/ask";
import { describeAddress, type StoreAddress } from "./address";
import { openSeller } from "./connect";

export interface StoreBuyerPlan {
  address: StoreAddress;
  strategy: string;
  index: number;
  /** Who this buyer is in a class rush's tally ("alice/2"); also its name in sales records. */
  name: string;
  namespace: string;
  leaseMs: number;
  /** Between the read and the write, ms. */
  thinkMs: number;
  /** Record every sale in the store (the class rush's tally). */
  record: boolean;
  /** The pause demo: this buyer is stopped (SIGSTOP) right after its first read. */
  pauseAfterRead: boolean;
  /** The pause demo: the other buyers start once the paused one is stopped. */
  inPauseDemo: boolean;
}

/** Moments of one purchase, on the shared clock (for the pause demo's figure). */
export interface PurchaseMarks {
  start: number;
  read: number | null;
  end: number;
  attempt: "sold" | "none-left" | "rejected";
}

export interface StoreBuyerOutcome {
  index: number;
  name: string;
  pid: number;
  /** Purchases the store confirmed to this buyer (its "购买成功"). */
  sales: number;
  /** Writes the store refused (fencing: a newer lock holder had written). */
  rejected: number;
  /** Retries: lock taken by another buyer, transaction conflicts, an unavailable cluster member. */
  retries: number;
  /** Per sale: from the start of the attempt (lock wait included) to the store's answer, ms. */
  latenciesMs: number[];
  purchases: PurchaseMarks[];
  /** Why this buyer stopped before the tickets ran out (the server went away…); its sales so far still count. */
  failed: string | null;
}

export async function runStoreBuyer(plan: StoreBuyerPlan): Promise<StoreBuyerOutcome> {
  const seller = await openSeller(plan.address, plan.strategy, plan.namespace);
  const outcome: StoreBuyerOutcome = {
    index: plan.index,
    name: plan.name,
    pid: process.pid,
    sales: 0,
    rejected: 0,
    retries: 0,
    latenciesMs: [],
    purchases: [],
    failed: null,
  };
  let pauseLeft = plan.pauseAfterRead;
  try {
    if (plan.inPauseDemo && !plan.pauseAfterRead) await askParent("pause-gate", null);
    for (;;) {
      const marks: PurchaseMarks = { start: now(), read: null, end: 0, attempt: "none-left" };
      let attempt;
      try {
        attempt = await seller.buy({
          leaseMs: plan.leaseMs,
          retried: () => void (outcome.retries += 1),
          afterRead: async () => {
            marks.read = now();
            if (plan.thinkMs > 0) await sleep(plan.thinkMs);
            if (!pauseLeft) return;
            pauseLeft = false;
            // The parent stops this process here (SIGSTOP) and continues it (SIGCONT) later.
            await askParent("pause", null);
          },
        });
      } catch (error) {
        outcome.failed = `${describeAddress(plan.address)} failed after ${outcome.sales} sale(s): ${(error as Error).message || String(error)}`;
        break;
      }
      marks.end = now();
      marks.attempt = attempt;
      outcome.purchases.push(marks);
      if (attempt === "none-left") break;
      if (attempt === "rejected") {
        outcome.rejected += 1;
        continue;
      }
      outcome.sales += 1;
      outcome.latenciesMs.push(marks.end - marks.start);
      if (plan.record) await seller.record(plan.name);
    }
  } finally {
    await seller.close();
  }
  return outcome;
}

/** The compiled module that defines runStoreBuyer, for WorkerPool module targets. */
export const storeBuyerModule: string = __filename;
