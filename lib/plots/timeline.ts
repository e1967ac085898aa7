/**
 * A timeline (Gantt chart) of processes from their events: one row per
 * process, x in ms from the first event of the run; the process's life as a
 * light bar, lock waits grey, lock holds saturated, reads and writes as marks.
 */
import { tr } from "../core/lang";
import { phrase } from "../core/phrases";
import { isEvent, type ProcEvent } from "../core/events";
import type { TrialResult } from "../tickets/outcome";
import { laneLayout, palette, spanBars, type Figure, type Span, type Trace } from "./figure";
import { textTable } from "../core/text";
import { overlappingHolds } from "../experiments/handoffs";

export interface TimelineOptions {
  /** Replaces the computed title (it must still state the finding). */
  title?: string;
  caption?: string;
}

/** Timeline of a trial (runRush's TrialResult) or of any list of events. */
export function timelineFigure(source: TrialResult | readonly ProcEvent[], options: TimelineOptions = {}): Figure {
  const events = [...(Array.isArray(source) ? (source as readonly ProcEvent[]) : (source as TrialResult).events)].sort((a, b) => a.t - b.t);
  const origin = events.length ? events[0].t : 0;
  const ms = (t: number): number => Math.round((t - origin) * 100) / 100;
  const byPid = new Map<number, ProcEvent[]>();
  for (const event of events) byPid.set(event.pid, [...(byPid.get(event.pid) ?? []), event]);
  const rowOf = new Map<number, string>();
  for (const [pid, list] of byPid) rowOf.set(pid, `${list[list.length - 1].name} (${pid})`);
  const rows = [...byPid.keys()].sort((a, b) => byPid.get(a)![0].t - byPid.get(b)![0].t).map((pid) => rowOf.get(pid)!);

  const lives: Span[] = [];
  const waits: Span[] = [];
  const holds: Span[] = [];
  for (const [pid, list] of byPid) {
    const row = rowOf.get(pid)!;
    // A process's own start/exit, or a pool task's task-start/task-end; else its first and last event.
    const start = list.find((e) => e.type === "start" || e.type === "task-start") ?? list[0];
    const exit = [...list].reverse().find((e) => e.type === "exit" || e.type === "task-end") ?? list[list.length - 1];
    lives.push({ row, from: ms(start.t), to: ms(exit.t) });
    let requested: number | null = null;
    let acquired: number | null = null;
    for (const e of list) {
      if (e.type === "lock-requested") requested = e.t;
      else if (e.type === "lock-acquired") {
        if (requested !== null) waits.push({ row, from: ms(requested), to: ms(e.t) });
        requested = null;
        acquired = e.t;
      } else if (e.type === "lock-released" && acquired !== null) {
        holds.push({ row, from: ms(acquired), to: ms(e.t) });
        acquired = null;
      }
    }
    // Never released: it held the lock until it ended (killed while holding it, say).
    if (acquired !== null && exit.t > acquired) holds.push({ row, from: ms(acquired), to: ms(exit.t) });
  }

  const marks = (type: string, name: string, symbol: string, color: string): Trace => {
    const hits = events.filter((e) => e.type === type);
    return {
      type: "scatter",
      mode: "markers",
      name,
      y: hits.map((e) => rowOf.get(e.pid)),
      x: hits.map((e) => ms(e.t)),
      marker: { symbol, color, size: 10, line: { width: 1, color: "#ffffff" } },
      text: hits.map((e) => JSON.stringify(e.data ?? {})),
      hovertemplate: `${name} at %{x:.1f} ms %{text}<extra>%{y}</extra>`,
    };
  };
  const data: Trace[] = [
    spanBars(tr("process alive", "进程存活"), lives, palette.lifetime, 0.8),
    spanBars(tr("waiting for the lock", "等待锁"), waits, palette.waiting, 0.5),
    spanBars(tr("holding the lock", "持有锁"), holds, palette.holding, 0.5),
    marks("read", tr("read db.json", "读 db.json"), "circle", palette.read),
    marks("write", tr("write db.json", "写 db.json"), "diamond", palette.write),
    marks("torn-read", tr("torn read", "撕裂读"), "x", palette.failure),
  ].filter((trace) => (trace.y as unknown[]).length > 0);

  const firstWrite = events.find((e) => e.type === "write");
  const buyReads = events.filter(isEvent("read")).filter((e) => e.data.by === "buy");
  const readBeforeWrite = buyReads.filter((e) => !firstWrite || e.t < firstWrite.t).length;
  const waited = waits.reduce((sum, w) => sum + w.to - w.from, 0).toFixed(0);
  const overlapping = overlappingHolds(holds.map((h) => ({ acq: h.from, rel: h.to })));
  const title =
    phrase(options.title) ??
    (holds.length
      ? overlapping === 0
        ? tr(
            `One holder at a time: ${holds.length} lock holds, none overlapping, ${waited} ms spent waiting`,
            `同一时刻只有一个持有者：${holds.length} 次持锁互不重叠，共等待 ${waited} ms`,
          )
        : // Drawn holds can overlap without two holders (a killed holder's bar ends when its death was
          // seen; holds of different locks): say only what was drawn.
          tr(
            `${holds.length} lock holds drawn, ${overlapping} of them beginning before an earlier one ended, ${waited} ms spent waiting`,
            `画出 ${holds.length} 次持锁，其中 ${overlapping} 次在更早的一次结束前就开始了，共等待 ${waited} ms`,
          )
      : firstWrite
        ? tr(
            `${readBeforeWrite} of ${rows.length} buyers read the count before the first write`,
            `${rows.length} 个买家中有 ${readBeforeWrite} 个在第一次写入前读到了余票数`,
          )
        : tr(`${rows.length} processes, no writes`, `${rows.length} 个进程，没有写入`));
  const caption =
    phrase(options.caption) ??
    tr(
      "One row per process; light bar: alive, grey: waiting for the lock, dark: holding it; circles are reads, diamonds writes of db.json.",
      "每行一个进程；浅色条：存活，灰色：等待锁，深色：持有锁；圆点是读 db.json，菱形是写。",
    );
  return {
    data,
    layout: laneLayout(title, tr("time since the run started (ms)", "自运行开始起的时间（ms）"), caption, rows, {
      minHeight: 300,
      base: 120,
      perRow: 36,
    }),
    caption,
    text: textTable(
      ["process", "alive ms", "wait ms", "hold ms"],
      rows.map((row) => {
        const total = (spans: Span[]): string =>
          spans
            .filter((s) => s.row === row)
            .reduce((sum, s) => sum + s.to - s.from, 0)
            .toFixed(1);
        return [row, total(lives), total(waits), total(holds)];
      }),
    ),
  };
}
