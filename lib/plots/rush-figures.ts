/**
 * Figures of ticket-rush results (from runRush): oversold per trial, tickets
 * sold, lock granularity, lock handoff gaps. Titles are computed from the
 * numbers, so they state what this run found.
 */
import type { ProcEvent } from "../core/events";
import type { RushResult } from "../tickets/rush";
import { getStrategy } from "../tickets/strategies";
import { baseLayout, strategyColor, type Figure, type Trace } from "./figure";
import { textTable } from "../core/text";

function list(names: string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

const oversoldCaption =
  "One row per strategy, one marker per trial: filled and labelled with the tickets sold beyond those that existed; a hollow ring means none.";

function correctTrials(result: RushResult): number {
  return result.trials.filter((t) => t.oversold === 0 && t.tornReads === 0 && !t.corrupt && t.errors.length === 0).length;
}

/**
 * Oversold tickets in each trial: one row per strategy (so strategies that never oversell do
 * not hide each other on a shared zero line), one marker per trial, filled and labelled with
 * the tickets oversold, a hollow ring when none.
 */
export function oversoldFigure(results: readonly RushResult[]): Figure {
  const data: Trace[] = results.map((r) => ({
    type: "scatter",
    mode: "markers+text",
    name: r.config.strategy,
    x: r.trials.map((t) => t.trial),
    y: r.trials.map(() => r.config.strategy),
    text: r.trials.map((t) => (t.oversold > 0 ? String(t.oversold) : "")),
    textposition: "middle center",
    textfont: { color: "#ffffff", size: 10 },
    marker: {
      color: strategyColor(r.config.strategy),
      size: r.trials.map((t) => (t.oversold > 0 ? 14 + 2 * Math.min(t.oversold, 8) : 10)),
      symbol: r.trials.map((t) => (t.oversold > 0 ? "circle" : "circle-open")),
      line: { width: 2, color: strategyColor(r.config.strategy) },
    },
    hovertemplate: "%{y}, trial %{x}: %{text} oversold<extra></extra>",
  }));
  const bad = results.filter((r) => r.summary.oversoldTrials > 0);
  const good = results.filter((r) => r.summary.oversoldTrials === 0).map((r) => r.config.strategy);
  const worst = [...bad].sort((a, b) => b.summary.maxOversold - a.summary.maxOversold)[0];
  const tickets = results[0]?.config.tickets ?? 0;
  const title = worst
    ? `${worst.config.strategy}: ${worst.config.tickets} ticket${worst.config.tickets === 1 ? "" : "s"} sold up to ${worst.summary.maxOversold + worst.config.tickets} times` +
      ` (oversold in ${worst.summary.oversoldTrials}/${worst.summary.trials} trials)` +
      (good.length ? `; ${list(good)}: never` : "")
    : `No strategy oversold: ${list(good)} sold at most ${tickets} ticket${tickets === 1 ? "" : "s"}`;
  return {
    data,
    layout: baseLayout(title, "trial (number)", "strategy", oversoldCaption, {
      xaxis: { title: { text: "trial (number)" }, tickformat: "d" },
      yaxis: {
        title: { text: "strategy" },
        type: "category",
        categoryorder: "array",
        categoryarray: [...results.map((r) => r.config.strategy)].reverse(),
      },
      showlegend: false,
    }),
    caption: oversoldCaption,
    text: textTable(
      ["strategy", "trials", "oversold trials", "max oversold"],
      results.map((r) => [r.config.strategy, String(r.summary.trials), String(r.summary.oversoldTrials), String(r.summary.maxOversold)]),
    ),
  };
}

/** How many tickets were sold per trial, one histogram per strategy. */
export function soldHistogram(results: readonly RushResult[]): Figure {
  const data: Trace[] = results.map((r) => ({
    type: "histogram",
    name: r.config.strategy,
    x: r.trials.map((t) => t.sold),
    xbins: { size: 1 },
    marker: { color: strategyColor(r.config.strategy) },
    opacity: 0.8,
  }));
  const tickets = results[0]?.config.tickets ?? 0;
  const mostSold = Math.max(0, ...results.flatMap((r) => r.trials.map((t) => t.sold)));
  const title =
    mostSold > tickets
      ? `${tickets} ticket${tickets === 1 ? "" : "s"} for sale, up to ${mostSold} sold in one trial`
      : `Never more than the ${tickets} ticket${tickets === 1 ? "" : "s"} for sale were sold`;
  const caption = `Tickets sold per trial; the dashed line is the ${tickets} ticket${tickets === 1 ? "" : "s"} that existed — bars right of it are oversales.`;
  return {
    data,
    layout: baseLayout(title, "tickets sold in a trial (count)", "trials (count)", caption, {
      barmode: "group",
      xaxis: { title: { text: "tickets sold in a trial (count)" }, dtick: 1 },
      shapes: [
        {
          type: "line",
          xref: "x",
          yref: "paper",
          x0: tickets,
          x1: tickets,
          y0: 0,
          y1: 1,
          line: { color: "#212529", dash: "dash", width: 2 },
        },
      ],
    }),
    caption,
    text: textTable(
      ["strategy", "sold: trials"],
      results.map((r) => {
        const counts = new Map<number, number>();
        for (const t of r.trials) counts.set(t.sold, (counts.get(t.sold) ?? 0) + 1);
        return [
          r.config.strategy,
          [...counts.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([sold, n]) => `${sold}: ${n}`)
            .join(", "),
        ];
      }),
    ),
  };
}

/** 锁的粒度: wall time per trial against the share of correct trials, one point per strategy. */
export function granularityFigure(results: readonly RushResult[]): Figure {
  const data: Trace[] = results.map((r) => ({
    type: "scatter",
    mode: "markers+text",
    name: r.config.strategy,
    x: [r.summary.meanElapsedMs],
    y: [(100 * correctTrials(r)) / r.summary.trials],
    text: [r.config.strategy],
    textposition: "top center",
    marker: { color: strategyColor(r.config.strategy), size: 16 },
  }));
  const correct = results.filter((r) => correctTrials(r) === r.summary.trials);
  const fastest = [...correct].sort((a, b) => a.summary.meanElapsedMs - b.summary.meanElapsedMs)[0];
  const slowest = [...correct].sort((a, b) => b.summary.meanElapsedMs - a.summary.meanElapsedMs)[0];
  const title =
    fastest && slowest && fastest !== slowest
      ? `Correct in every trial: ${fastest.config.strategy} in ${fastest.summary.meanElapsedMs.toFixed(0)} ms, ${slowest.config.strategy} ${(slowest.summary.meanElapsedMs / fastest.summary.meanElapsedMs).toFixed(1)}× slower`
      : fastest
        ? `Only ${fastest.config.strategy} was correct in every trial (${fastest.summary.meanElapsedMs.toFixed(0)} ms per trial)`
        : "No strategy was correct in every trial";
  const caption = "Up is correct (no oversale, no torn read, no corrupt file), left is fast: the finer the lock, the less it costs.";
  return {
    data,
    layout: baseLayout(title, "mean wall time per trial (ms)", "correct trials (%)", caption, {
      yaxis: { title: { text: "correct trials (%)" }, range: [-8, 115] },
      xaxis: { title: { text: "mean wall time per trial (ms)" }, rangemode: "tozero" },
      showlegend: false,
    }),
    caption,
    text: textTable(
      ["strategy", "ms/trial", "correct trials"],
      results.map((r) => [r.config.strategy, r.summary.meanElapsedMs.toFixed(1), `${correctTrials(r)}/${r.summary.trials}`]),
    ),
  };
}

/** Gaps (ms) between one holder releasing the lock and the next acquiring it, over a trial's events. */
export function handoffGaps(events: readonly ProcEvent[]): number[] {
  const ordered = events.filter((e) => e.type === "lock-released" || e.type === "lock-acquired").sort((a, b) => a.t - b.t);
  const gaps: number[] = [];
  let releasedAt: number | null = null;
  for (const event of ordered) {
    if (event.type === "lock-released") releasedAt = event.t;
    else if (releasedAt !== null) {
      gaps.push(event.t - releasedAt);
      releasedAt = null;
    }
  }
  return gaps;
}

/** Lock handoff gaps: how long the lock sat free while someone was waiting for it. */
export function handoffFigure(results: readonly RushResult[]): Figure {
  const locked = results.filter((r) => getStrategy(r.config.strategy).lockScope !== "none");
  const gapsOf = (r: RushResult): number[] => r.trials.flatMap((t) => handoffGaps(t.events));
  const data: Trace[] = locked.map((r) => ({
    type: "box",
    name: r.config.strategy,
    x: gapsOf(r),
    boxpoints: "all",
    jitter: 0.4,
    pointpos: 0,
    marker: { color: strategyColor(r.config.strategy), size: 4 },
    line: { color: strategyColor(r.config.strategy) },
  }));
  const all = locked.flatMap(gapsOf).sort((a, b) => a - b);
  const median = all.length ? all[Math.floor(all.length / 2)] : 0;
  const title = all.length
    ? `Between two holders the lock sits free for a median ${median.toFixed(1)} ms`
    : "No lock handoffs in these runs";
  const caption =
    "Each dot is one handoff: time from a release to the next acquire. The waiting buyer only notices the free lock when it next checks.";
  return {
    data,
    layout: baseLayout(title, "handoff gap (ms)", "strategy", caption, {
      showlegend: false,
      xaxis: { title: { text: "handoff gap (ms)" }, rangemode: "tozero" },
    }),
    caption,
    text: textTable(
      ["strategy", "handoffs", "median ms", "max ms"],
      locked.map((r) => {
        const gaps = gapsOf(r).sort((a, b) => a - b);
        return [
          r.config.strategy,
          String(gaps.length),
          gaps.length ? gaps[Math.floor(gaps.length / 2)].toFixed(2) : "-",
          gaps.length ? gaps[gaps.length - 1].toFixed(2) : "-",
        ];
      }),
    ),
  };
}
