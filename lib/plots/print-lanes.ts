/**
 * Lanes of the print experiment (printExperiment): one row per process, its
 * ordinary prints as small marks, its critical section as a bar (saturated when
 * it held the lock, warm when unprotected), the wait for the lock grey, and the
 * finding (how many critical sections printed intact) as the title.
 */
import { tr } from "../core/lang";
import type { PrintExperimentResult } from "../experiments/print-experiment";
import { laneLayout, palette, spanBars, type Figure, type Trace } from "./figure";
import { textTable } from "../core/text";

export function printLanesFigure(result: PrintExperimentResult): Figure {
  const { sections, lines } = result;
  const rows = [...new Set(lines.map((line) => line.name))].sort();
  const locked = result.config.lock;
  const ordinary = lines.filter((line) => !line.critical);
  const critical = lines.filter((line) => line.critical);
  const waits = sections.filter((s) => s.requested !== null);
  const data: Trace[] = [
    spanBars(
      tr("waiting for the lock", "等待锁"),
      waits.map((s) => ({ row: s.name, from: s.requested as number, to: s.start })),
      palette.waiting,
      0.35,
    ),
    spanBars(
      locked ? tr("critical section, holding the lock", "临界区，持有锁") : tr("critical section, unprotected", "临界区，无保护"),
      sections.map((s) => ({
        row: s.name,
        from: s.start,
        to: s.end,
        label: s.intact ? tr("intact", "完整") : tr("interleaved", "被打断"),
      })),
      locked ? palette.holding : palette.unprotected,
      0.6,
    ),
    {
      type: "scatter",
      mode: "markers",
      name: tr("digit print (not critical)", "数字打印（非临界区）"),
      y: ordinary.map((line) => line.name),
      x: ordinary.map((line) => line.t),
      marker: { symbol: "line-ns-open", size: 6, color: "#868e96" },
      hoverinfo: "skip",
    },
    {
      type: "scatter",
      mode: "markers",
      name: tr("critical line", "临界区的一行"),
      y: critical.map((line) => line.name),
      x: critical.map((line) => line.t),
      text: critical.map((line) => line.text),
      marker: { symbol: "diamond", size: 10, color: palette.read, line: { width: 1, color: "#ffffff" } },
      hovertemplate: "%{text} at %{x:.1f} ms<extra>%{y}</extra>",
    },
  ].filter((trace) => (trace.y as unknown[]).length > 0);

  const title = tr(
    `${locked ? "With the lock" : "Without a lock"}, ${result.intact} of ${result.total} critical sections printed intact`,
    `${locked ? "加锁时" : "不加锁时"}，${result.total} 个临界区中有 ${result.intact} 个完整打印`,
  );
  const caption = locked
    ? tr(
        "Digit prints (ticks) overlap freely; the critical sections (dark bars) take turns, the later one waits (grey) for the lock.",
        "数字的打印（刻度）可以自由重叠；临界区（深色条）轮流执行，后到的等待（灰色）锁。",
      )
    : tr(
        "Digit prints (ticks) overlap freely, and so do the critical sections (orange bars): the other process prints between a section's two lines.",
        "数字的打印（刻度）自由重叠，临界区（橙色条）也一样：另一个进程在一个临界区的两行之间插入了打印。",
      );
  return {
    data,
    layout: laneLayout(title, tr("time since the first print (ms)", "自第一次打印起的时间（ms）"), caption, rows, {
      minHeight: 380,
      base: 230,
      perRow: 50,
    }),
    caption,
    text: textTable(
      ["process", "digit lines", "critical ms", "waited ms", "intact"],
      sections.map((s) => [
        s.name,
        String(ordinary.filter((line) => line.pid === s.pid).length),
        `${s.start.toFixed(1)}–${s.end.toFixed(1)}`,
        s.requested === null ? "-" : (s.start - s.requested).toFixed(1),
        s.intact ? "yes" : "no",
      ]),
    ),
  };
}
