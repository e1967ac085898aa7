/**
 * What a lock costs (measureLockCost): acquisitions per second by number of
 * processes, one bar per kind of lock; the title states proclab's throughput
 * against the OS's flock and what running without a lock lost.
 */
import { tr } from "../core/lang";
import type { LockCostRow } from "../experiments/counter-stats";
import { baseLayout, palette, type Figure, type Trace } from "./figure";
import { textTable } from "../core/text";

/** Cool colours for the locks (the OS's in green), warm for no lock. */
const kindColor: Record<string, string> = {
  proclab: palette.protected,
  flock: "#2f9e44",
  "flock-c": "#087f5b",
  "proper-lockfile": "#5f3dc4",
  none: palette.unprotected,
};

function finding(rows: readonly LockCostRow[]): string {
  const parts: string[] = [];
  const proclab = rows.filter((r) => r.kind === "proclab" && r.ratioToFlock !== null);
  if (proclab.length > 0) {
    const ratios = proclab.map((r) => r.ratioToFlock as number);
    const [low, high] = [Math.min(...ratios), Math.max(...ratios)];
    const range = low.toFixed(2) === high.toFixed(2) ? `${low.toFixed(2)}×` : `${low.toFixed(2)}–${high.toFixed(2)}×`;
    parts.push(tr(`proclab's Lock: ${range} flock's throughput`, `proclab 的 Lock：吞吐量是 flock 的 ${range}`));
  } else {
    const best = [...rows].filter((r) => r.kind !== "none").sort((a, b) => b.throughput - a.throughput)[0];
    if (best)
      parts.push(
        tr(
          `${best.kind}: up to ${best.throughput.toFixed(0)} acquisitions/s`,
          `${best.kind}：最多每秒加锁 ${best.throughput.toFixed(0)} 次`,
        ),
      );
  }
  // Unlocked writers can also tear the file (a short write over a longer number), so a count may overshoot.
  const wrong = rows.filter((r) => r.kind === "none" && r.counter !== r.acquisitions);
  if (wrong.length > 0) {
    parts.push(
      tr(
        `no lock: counter ${wrong.map((r) => r.counter).join(" and ")}, not ${wrong.map((r) => r.acquisitions).join(" and ")}`,
        `不加锁：计数器为 ${wrong.map((r) => r.counter).join(" 和 ")}，而不是 ${wrong.map((r) => r.acquisitions).join(" 和 ")}`,
      ),
    );
  } else if (rows.some((r) => r.kind === "none")) {
    parts.push(tr("no lock: the count happened to come out right this time", "不加锁：这次计数碰巧是对的"));
  }
  return parts.join("; ") || tr("No lock measured", "没有测量任何锁");
}

export function lockCostFigure(rows: readonly LockCostRow[]): Figure {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const data: Trace[] = kinds.map((kind) => {
    const mine = ns.map((n) => rows.find((r) => r.kind === kind && r.n === n));
    return {
      type: "bar",
      name: kind === "none" ? tr("none (wrong result)", "none（结果错误）") : kind,
      x: ns.map((n) => tr(`${n} processes`, `${n} 个进程`)),
      y: mine.map((r) => (r ? Math.round(r.throughput) : null)),
      text: mine.map((r) =>
        !r
          ? ""
          : r.kind === "none"
            ? `count ${r.counter} of ${r.acquisitions}`
            : r.ratioToFlock === null
              ? ""
              : `${r.ratioToFlock.toFixed(2)}× flock`,
      ),
      textposition: "outside",
      cliponaxis: false,
      marker: { color: kindColor[kind] ?? palette.protected },
      hovertemplate: `${kind}: %{y} acquisitions/s %{text}<extra>%{x}</extra>`,
    };
  });
  const caption = tr(
    "Taller is faster. Each process loops lock → read counter → write counter+1 → unlock; without a lock the final count is wrong.",
    "越高越快。每个进程循环执行 加锁 → 读计数器 → 写入计数器+1 → 解锁；不加锁时最终计数是错的。",
  );
  return {
    data,
    layout: baseLayout(
      finding(rows),
      tr("processes running the counter job", "运行计数任务的进程数"),
      tr("lock acquisitions per second", "每秒加锁次数"),
      caption,
      {
        barmode: "group",
        yaxis: { title: { text: tr("lock acquisitions per second", "每秒加锁次数") }, rangemode: "tozero" },
      },
    ),
    caption,
    text: textTable(
      ["lock", "N", "acq/s", "x flock", "counter"],
      rows.map((r) => [
        r.kind,
        String(r.n),
        r.throughput.toFixed(0),
        r.ratioToFlock === null ? "-" : r.ratioToFlock.toFixed(2),
        `${r.counter} of ${r.acquisitions}`,
      ]),
    ),
  };
}
