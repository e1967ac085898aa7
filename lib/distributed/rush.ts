/**
 * The ticket rush (抢票) on a shared server: `buyers` processes that share nothing but the
 * server's address buy until it says no ticket is left, `trials` times, under one strategy.
 * The outcome is counted as in the file rush: sold (confirmed to buyers) against tickets.
 *
 * Two things can be made to happen on purpose, every run:
 * - a pause: one buyer is stopped with SIGSTOP right after its first read (as a long GC pause,
 *   a VM migration or a swapped-out process would stop it), holding whatever lock it had, and
 *   continued with SIGCONT `forMs` later; the other buyers start once it is stopped;
 * - a fault: `fault.act()` runs once `fault.afterSales` tickets are sold (kill the etcd leader, kill Redis).
 */
import { now, sleep } from "../core/clock";
import { WorkerPool, type TaskResult } from "../process";
import type { StoreAddress } from "./address";
import { storeBuyerModule, type PurchaseMarks, type StoreBuyerOutcome, type StoreBuyerPlan } from "./buyer";
import { openCounter } from "./connect";
import { checkNamespace, defaultNamespace, type Counter } from "./seller";
import { storeStrategy, type StoreStrategy } from "./strategies";

export interface StorePause {
  /** Which buyer to stop (0-based). Default 0. */
  buyer?: number;
  /** How long it stays stopped, ms (longer than the lock's lease breaks the lock). */
  forMs: number;
}

export interface StoreFault {
  /** What it is, for the result: "killed the etcd leader (m2)". Returned by act(). */
  act(): Promise<string>;
  /** Act once the store shows this many tickets sold (polled every 10 ms): mid-rush, whatever the machine's speed. */
  afterSales: number;
}

export interface StoreRushOptions {
  /** Where the store is (startServers' servers give it: `storeAddress(servers, "redis")`). */
  store: StoreAddress;
  /** A strategy of that engine: storeStrategies lists them. */
  strategy: string;
  /** Buyer processes. Default 8. */
  buyers?: number;
  /** Tickets at the start of each trial. Default 40. */
  tickets?: number;
  /** Default 3. */
  trials?: number;
  /** A lease lock's time to live, ms. Default 200 for Redis, 1000 for etcd (its shortest lease is 1 s). */
  leaseMs?: number;
  /** Between a buyer's read and its write, ms (the payment, the network): the window of a read-then-write. Default 0. */
  thinkMs?: number;
  pause?: StorePause;
  fault?: StoreFault;
  /** Record each sale in the store under the buyer's name (the class tally). Default false. */
  record?: boolean;
  /** Buyer names are `<who>/<i>`. Default "buyer". */
  who?: string;
  /** Tables and keys are named after it. Default "proclab". */
  namespace?: string;
  /** Reset the store before each trial. Default true; a class rush's students set false (the teacher resets). */
  reset?: boolean;
  /** A started pool of at least `buyers` workers to reuse. Default: warm workers kept between rushes. */
  pool?: WorkerPool;
  /** Awaited once the buyer processes are ready, before the first trial (the class rush waits for the sale to open). */
  startWhen?: () => Promise<void>;
}

export interface StoreTrial {
  trial: number;
  tickets: number;
  /** Purchases confirmed to buyers. */
  sold: number;
  /** max(0, sold − tickets). */
  oversold: number;
  /** Tickets the store says are left at the end (null: it could not say). */
  left: number | null;
  rejected: number;
  retries: number;
  /** First buyer start to last buyer end, ms. */
  elapsedMs: number;
  latenciesMs: number[];
  /** Buyers that failed, with the reason. */
  errors: string[];
  buyers: StoreBuyerOutcome[];
  /** The pause demo: when the paused buyer was stopped and continued. */
  paused: { buyer: string; stoppedAt: number; continuedAt: number } | null;
  /** The fault: what was done, and when. */
  fault: { what: string; at: number } | null;
  startedAt: number;
}

export interface StoreRushSummary {
  trials: number;
  oversoldTrials: number;
  maxOversold: number;
  sold: number;
  rejected: number;
  retries: number;
  errors: number;
  /** Tickets sold per second of buyers' time, over all trials. */
  salesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StoreRushResult {
  /** "postgres:atomic". */
  label: string;
  strategy: StoreStrategy;
  config: { buyers: number; tickets: number; trials: number; leaseMs: number; thinkMs: number };
  trials: StoreTrial[];
  summary: StoreRushSummary;
}

function positive(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  return value;
}

/**
 * Warm buyer processes, kept between rushes of this process (a notebook runs many): starting 8
 * Node processes costs about half a second each time. Idle workers do not keep a process alive,
 * and die with it (they are daemons). A rush that finds the warm pool busy gets one of its own.
 */
let warm: WorkerPool | null = null;
const busy = new Set<WorkerPool>();

async function warmPool(size: number): Promise<WorkerPool | null> {
  if (warm && busy.has(warm)) return null;
  if (!warm || warm.size < size) {
    const old = warm;
    warm = null;
    await old?.close();
    const fresh = new WorkerPool({ size, name: "store-buyer" });
    await fresh.start();
    warm = fresh;
  }
  busy.add(warm);
  return warm;
}

/** The p-th percentile (0–100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarizeStoreRush(trials: readonly StoreTrial[]): StoreRushSummary {
  const latencies = trials.flatMap((t) => t.latenciesMs);
  const sold = trials.reduce((n, t) => n + t.sold, 0);
  const seconds = trials.reduce((n, t) => n + t.elapsedMs, 0) / 1000;
  return {
    trials: trials.length,
    oversoldTrials: trials.filter((t) => t.oversold > 0).length,
    maxOversold: Math.max(0, ...trials.map((t) => t.oversold)),
    sold,
    rejected: trials.reduce((n, t) => n + t.rejected, 0),
    retries: trials.reduce((n, t) => n + t.retries, 0),
    errors: trials.reduce((n, t) => n + t.errors.length, 0),
    salesPerSecond: seconds > 0 ? sold / seconds : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

export async function runStoreRush(options: StoreRushOptions): Promise<StoreRushResult> {
  const strategy = storeStrategy(options.store?.engine, options.strategy);
  const buyers = positive("buyers", options.buyers ?? 8, 64);
  const tickets = positive("tickets", options.tickets ?? 40, 100_000);
  const trials = positive("trials", options.trials ?? 3, 1000);
  const leaseMs = positive("leaseMs", options.leaseMs ?? (strategy.engine === "etcd" ? 1000 : 200), 60_000);
  const thinkMs = options.thinkMs ?? 0;
  if (!(Number.isFinite(thinkMs) && thinkMs >= 0 && thinkMs <= 10_000))
    throw new RangeError(`thinkMs must be a number of ms from 0 to 10000, got ${thinkMs}`);
  const namespace = checkNamespace(options.namespace ?? defaultNamespace);
  const who = options.who ?? "buyer";
  const pause = options.pause ? { buyer: options.pause.buyer ?? 0, forMs: options.pause.forMs } : null;
  if (pause && (!Number.isInteger(pause.buyer) || pause.buyer < 0 || pause.buyer >= buyers || buyers < 2))
    throw new RangeError(
      `pause.buyer must name one of the ${buyers} buyers (0 to ${buyers - 1}), and the demo needs at least 2 buyers, got ${pause.buyer}`,
    );
  if (pause && !(Number.isFinite(pause.forMs) && pause.forMs >= 0 && pause.forMs <= 30_000))
    throw new RangeError(`pause.forMs must be a number of ms from 0 to 30000, got ${pause.forMs}`);
  if (options.pool && options.pool.size < buyers)
    throw new RangeError(`the pool has ${options.pool.size} workers, fewer than ${buyers} buyers`);
  // Keeps this process alive while we wait on servers (a client may hold no handle while it retries).
  const keepAlive = setInterval(() => undefined, 1000);
  const lent = options.pool ?? (await warmPool(buyers));
  const pool = lent ?? new WorkerPool({ size: buyers, name: "store-buyer-once" });
  const results: StoreTrial[] = [];
  let counter!: Counter;
  let saleTickets = tickets;
  try {
    counter = await openCounter(options.store, namespace);
    if (!lent) await pool.start();
    await options.startWhen?.();
    // Joining a sale someone else opened: count against what it offers.
    if (options.reset === false) saleTickets = (await counter.total()) ?? tickets;
    for (let trial = 1; trial <= trials; trial++) {
      if (options.reset ?? true) await counter.reset(tickets);
      results.push(await oneTrial(trial));
    }
  } finally {
    clearInterval(keepAlive);
    await counter?.close(); // unset when opening it failed
    if (lent) busy.delete(lent);
    else await pool.close();
  }
  return {
    label: `${strategy.engine}:${strategy.name}`,
    strategy,
    config: { buyers, tickets: saleTickets, trials, leaseMs, thinkMs },
    trials: results,
    summary: summarizeStoreRush(results),
  };

  /** Polls the store until `afterSales` tickets are gone, then acts (once), while the trial runs. */
  async function faultWhenSold(
    f: StoreFault,
    isRunning: () => boolean,
    report: (fault: NonNullable<StoreTrial["fault"]>) => void,
  ): Promise<void> {
    while (isRunning()) {
      const left = await counter.remaining().catch(() => null);
      if (left !== null && saleTickets - left >= f.afterSales) {
        const at = now();
        const what = await f.act().catch((error: Error) => `the fault failed: ${error.message}`);
        report({ what, at });
        return;
      }
      await sleep(10);
    }
  }

  async function oneTrial(trial: number): Promise<StoreTrial> {
    const plans: StoreBuyerPlan[] = Array.from({ length: buyers }, (_, index) => ({
      address: options.store,
      strategy: strategy.name,
      index,
      name: `${who}/${index}`,
      namespace,
      leaseMs,
      thinkMs,
      record: options.record ?? false,
      pauseAfterRead: pause?.buyer === index,
      inPauseDemo: pause !== null,
    }));
    let paused: StoreTrial["paused"] = null;
    let fault: StoreTrial["fault"] = null;
    const services = pause ? pauseServices(pause.forMs, (p) => (paused = p)) : undefined;
    const startedAt = now();
    let running = true;
    const faulting = options.fault
      ? faultWhenSold(
          options.fault,
          () => running,
          (f) => (fault = f),
        )
      : null;
    let tasks: TaskResult[];
    try {
      tasks = await pool.run(
        plans.map((plan) => ({ target: { module: storeBuyerModule, export: "runStoreBuyer" }, args: [plan], name: plan.name })),
        { barrier: true, timeoutMs: 60_000, ...(services ? { services } : {}) },
      );
    } finally {
      running = false;
      await faulting;
    }
    const outcomes = tasks.filter((t) => t.ok).map((t) => t.value as StoreBuyerOutcome);
    const errors = [
      ...tasks.filter((t) => !t.ok).map((t) => `${t.name}: ${t.error ?? "failed"}`),
      ...outcomes.filter((o) => o.failed).map((o) => `${o.name}: ${o.failed}`),
    ];
    let left: number | null = null;
    try {
      left = await counter.remaining();
    } catch (error) {
      errors.push(`counting what is left: ${(error as Error).message}`);
    }
    const sold = outcomes.reduce((n, o) => n + o.sales, 0);
    const marks = outcomes.flatMap((o) => o.purchases);
    const first = Math.min(...marks.map((m: PurchaseMarks) => m.start));
    const last = Math.max(...marks.map((m: PurchaseMarks) => m.end));
    return {
      trial,
      tickets: saleTickets,
      sold,
      oversold: Math.max(0, sold - saleTickets),
      left,
      rejected: outcomes.reduce((n, o) => n + o.rejected, 0),
      retries: outcomes.reduce((n, o) => n + o.retries, 0),
      elapsedMs: marks.length > 0 ? last - first : now() - startedAt,
      latenciesMs: outcomes.flatMap((o) => o.latenciesMs),
      errors,
      buyers: outcomes,
      paused,
      fault,
      startedAt,
    };
  }
}

/**
 * The pause demo's services: "pause" (asked by the buyer to stop, right after its read) stops it
 * with SIGSTOP and continues it with SIGCONT `forMs` later; "pause-gate" holds the other buyers
 * back until it is stopped, so the order is the same every run.
 */
function pauseServices(forMs: number, report: (paused: NonNullable<StoreTrial["paused"]>) => void) {
  let stopped!: () => void;
  const isStopped = new Promise<void>((resolve) => (stopped = resolve));
  return {
    "pause-gate": () => isStopped.then(() => true),
    pause: async (_body: unknown, task: { name: string; pid: number }) => {
      process.kill(task.pid, "SIGSTOP");
      const stoppedAt = now();
      stopped();
      await sleep(forMs);
      process.kill(task.pid, "SIGCONT");
      report({ buyer: task.name, stoppedAt, continuedAt: now() });
      return true;
    },
  };
}
