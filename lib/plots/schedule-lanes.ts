/**
 * Lanes of an interleaving: one row per process, a mark per step at its place
 * in the order (x = step number), and a top row with db.json's value after
 * each write. The title says what the interleaving sold.
 */
import { tr } from "../core/lang";
import type { Interleaving, StepRecord } from "../schedule/interleaving";
import { interleavingText, stepLabel } from "../schedule/text";
import { baseLayout, palette, type Figure, type Trace } from "./figure";

export interface ScheduleLanesOptions {
  /** Tickets at the start (db.json's value before step 1). */
  tickets: number;
  /** Buyers told "success", for the title. */
  sold?: number;
}

const looks: Record<string, { symbol: string; color: string; size: number }> = {
  read: { symbol: "circle", color: palette.read, size: 13 },
  think: { symbol: "circle-open", color: palette.waiting, size: 10 },
  write: { symbol: "diamond", color: palette.write, size: 15 },
  acquire: { symbol: "triangle-right", color: palette.holding, size: 13 },
  release: { symbol: "triangle-left", color: palette.protected, size: 13 },
};
const other = { symbol: "square", color: "#868e96", size: 10 };
const dbLane = "db.json";

export function scheduleLanesFigure(interleaving: Interleaving, options: ScheduleLanesOptions): Figure {
  const numbered = interleaving.steps.map((step, i) => ({ ...step, x: i + 1 }));
  const letters = [...new Set(numbered.map((s) => s.process))].sort();
  const kinds = [...new Set(numbered.map((s) => s.step))];
  const data: Trace[] = kinds.map((kind) => {
    const steps = numbered.filter((s) => s.step === kind);
    const look = looks[kind] ?? other;
    return {
      type: "scatter",
      mode: "markers+text",
      name: kind,
      x: steps.map((s) => s.x),
      y: steps.map((s) => s.process),
      text: steps.map((s: StepRecord) => (s.value === undefined ? "" : String(s.value))),
      textposition: "top center",
      marker: { symbol: look.symbol, size: look.size, color: look.color },
      hovertext: steps.map((s) => `step ${s.x}: ${s.process} ${stepLabel(s)}`),
      hoverinfo: "text",
    };
  });
  const writes = numbered.filter((s) => s.step === "write" && s.value !== undefined);
  data.push({
    type: "scatter",
    mode: "lines+markers+text",
    name: tr("db.json after the step", "该步之后的 db.json"),
    x: [0, ...writes.map((s) => s.x), numbered.length],
    y: Array(writes.length + 2).fill(dbLane),
    text: [String(options.tickets), ...writes.map((s) => String(s.value)), ""],
    textposition: "top center",
    line: { color: palette.lifetime, width: 6 },
    marker: { size: [8, ...writes.map(() => 8), 0], color: palette.write },
    hoverinfo: "skip",
  });

  const sold = options.sold;
  const oversold = sold === undefined ? 0 : Math.max(0, sold - options.tickets);
  const title =
    tr(`Schedule ${interleaving.schedule || "(empty)"}`, `调度 ${interleaving.schedule || "（空）"}`) +
    (sold === undefined
      ? ""
      : tr(
          `: ${sold} sold of ${options.tickets} ticket${options.tickets === 1 ? "" : "s"}${oversold > 0 ? `, oversold by ${oversold}` : ""}`,
          `：${options.tickets} 张票卖出 ${sold} 张${oversold > 0 ? `，超卖 ${oversold} 张` : ""}`,
        ));
  const caption = tr(
    "One mark per step, in the order the scheduler let them run (numbers: the value read or written); top lane: db.json.",
    "每一步一个标记，按调度器放行的顺序排列（数字：读到或写入的值）；最上面一行是 db.json。",
  );
  return {
    data,
    layout: baseLayout(title, tr("step", "步骤"), tr("process", "进程"), caption, {
      yaxis: {
        title: { text: tr("process", "进程") },
        type: "category",
        categoryorder: "array",
        categoryarray: [...letters].reverse().concat(dbLane),
        automargin: true,
      },
      xaxis: { title: { text: "step" }, dtick: 1, zeroline: false, range: [-0.5, numbered.length + 0.5] },
      height: Math.max(340, 220 + 55 * (letters.length + 1)),
    }),
    caption,
    text: interleavingText(interleaving, options.tickets),
  };
}
