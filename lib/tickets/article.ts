/**
 * The article's ticket rush ported line for line: its `task(mutex)` (show() outside
 * the lock, lock around buy()), and its main loop that starts 7 fresh processes one
 * after the other. No start barrier, no think time: this is what the article's own
 * code does, measured — the race it means to show barely happens, because each
 * process start (~65 ms here) staggers the buyers, but readers crash on torn files.
 */
import { now } from "../core/clock";
import { emit, isEvent } from "../core/events";
import { defaultDbPath } from "../core/paths";
import { textTable } from "../core/text";
import type { Lock } from "../lock";
import { Process } from "../process";
import { resetDb, readDb, show, buy } from "./db";

/** The article's task(mutex), with the database path passed in (a module target of runArticleRush). A torn read throws, as in Python. */
export async function articleTask(db: string, mutex: Lock | null): Promise<void> {
  show(db);
  if (mutex) await mutex.acquire();
  const started = now();
  buy(db);
  emit("article-buy", { ms: now() - started });
  mutex?.release();
}

export interface ArticleTrial {
  tickets: number;
  /** Buyers that printed 购买成功. */
  sold: number;
  oversold: number;
  /** Buyer processes that died on an unparsable db.json (a torn read). */
  crashedReaders: number;
  /** db.json unparsable after the trial (repaired by the next reset). */
  corrupt: boolean;
  /** Between one buyer's code starting and the next one's, in start order, ms. */
  startGapsMs: number[];
  /** How long each buyer's buy() took, read to write (the window two buyers must share to oversell), ms; crashed buyers have none. */
  buyMs: number[];
}

export interface ArticleRushOptions {
  buyers?: number;
  tickets?: number;
  /** Use the article's mutex around buy(); default true. */
  lock?: boolean;
  trials?: number;
  db?: string;
}

/** Runs the article's rush `trials` times with cold processes started in a loop, as the article does. */
export async function runArticleRush(options: ArticleRushOptions = {}): Promise<ArticleTrial[]> {
  const { buyers = 7, tickets = 1, lock = true, trials = 5, db = defaultDbPath } = options;
  const { Lock: LockClass } = await import("../lock");
  const results: ArticleTrial[] = [];
  for (let trial = 0; trial < trials; trial++) {
    resetDb(tickets, db);
    const mutex = lock ? new LockClass(`${db}.article.lock`) : null;
    const processes: Process[] = [];
    for (let i = 0; i < buyers; i++) {
      const p = new Process({ target: { module: __filename, export: "articleTask" }, args: [db, mutex], name: `buyer-${i}`, echo: false });
      p.start();
      processes.push(p);
    }
    await Promise.all(processes.map((p) => p.join()));
    const sold = processes.flatMap((p) => p.events).filter((e) => e.type === "print" && e.data.text.includes("购买成功")).length;
    const crashedReaders = processes.filter((p) => p.exitCode !== 0 && /JSON|ticket database/.test(p.error ?? "")).length;
    let corrupt = false;
    try {
      readDb(db);
    } catch {
      corrupt = true;
    }
    const events = processes.flatMap((p) => p.events);
    const starts = events
      .filter(isEvent("start"))
      .map((e) => e.t)
      .sort((a, b) => a - b);
    const startGapsMs = starts.slice(1).map((t, i) => t - starts[i]);
    const buyMs = events.filter(isEvent("article-buy")).map((e) => e.data.ms);
    results.push({ tickets, sold, oversold: Math.max(0, sold - tickets), crashedReaders, corrupt, startGapsMs, buyMs });
  }
  resetDb(tickets, db); // never leave a broken file behind
  return results;
}

/** What one run of the article's code reports, Python's or Node's. */
export interface AsWrittenOutcome {
  oversold: number;
  crashedReaders: number;
  corrupt: boolean;
}

/** A table of the article's rush as written: per row, trials with an oversale, a crashed reader, a corrupt file. */
export function asWrittenTable(rows: ReadonlyArray<{ label: string; trials: readonly AsWrittenOutcome[] }>): string {
  const count = (trials: readonly AsWrittenOutcome[], hit: (t: AsWrittenOutcome) => boolean): string => String(trials.filter(hit).length);
  return textTable(
    ["article's code", "trials", "oversold", "a reader crashed", "corrupt"],
    rows.map(({ label, trials }) => [
      label,
      String(trials.length),
      count(trials, (t) => t.oversold > 0),
      count(trials, (t) => t.crashedReaders > 0),
      count(trials, (t) => t.corrupt),
    ]),
  );
}
