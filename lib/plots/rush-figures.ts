/**
 * Figures of ticket-rush results (from runRush): oversold per trial, tickets
 * sold, lock granularity, lock handoff gaps. Titles are computed from the
 * numbers, so they state what this run found.
 */
import { tr } from "../core/lang";
import type { ProcEvent } from "../core/events";
import type { RushResult } from "../tickets/rush";
import { getStrategy } from "../tickets/strategies";
import { baseLayout, strategyColor, type Figure, type Trace } from "./figure";
import { textTable } from "../core/text";

function list(names: string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")}${tr(" and ", "和")}${names[names.length - 1]}`;
}

const oversoldCaption = (): string =>
  tr(
    "One row per strategy, one marker per trial: filled and labelled with the tickets sold beyond those that existed; a hollow ring means none.",
    "每行一种策略，每个标记一次试验：实心并标出超卖的票数；空心圆表示没有超卖。",
  );

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
    ? tr(
        `${worst.config.strategy}: ${worst.config.tickets} ticket${worst.config.tickets === 1 ? "" : "s"} sold up to ${worst.summary.maxOversold + worst.config.tickets} times` +
          ` (oversold in ${worst.summary.oversoldTrials}/${worst.summary.trials} trials)` +
          (good.length ? `; ${list(good)}: never` : ""),
        `${worst.config.strategy}：${worst.config.tickets} 张票最多卖出 ${worst.summary.maxOversold + worst.config.tickets} 次` +
          `（${worst.summary.oversoldTrials}/${worst.summary.trials} 次试验超卖）` +
          (good.length ? `；${list(good)}：从未超卖` : ""),
      )
    : tr(
        `No strategy oversold: ${list(good)} sold at most ${tickets} ticket${tickets === 1 ? "" : "s"}`,
        `没有策略超卖：${list(good)} 最多卖出 ${tickets} 张票`,
      );
  return {
    data,
    layout: baseLayout(title, tr("trial (number)", "试验（序号）"), tr("strategy", "策略"), oversoldCaption(), {
      xaxis: { title: { text: tr("trial (number)", "试验（序号）") }, tickformat: "d" },
      yaxis: {
        title: { text: tr("strategy", "策略") },
        type: "category",
        categoryorder: "array",
        categoryarray: [...results.map((r) => r.config.strategy)].reverse(),
      },
      showlegend: false,
    }),
    caption: oversoldCaption(),
    text: textTable(
      [tr("strategy", "策略"), "trials", "oversold trials", "max oversold"],
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
      ? tr(
          `${tickets} ticket${tickets === 1 ? "" : "s"} for sale, up to ${mostSold} sold in one trial`,
          `${tickets} 张票出售，一次试验最多卖出 ${mostSold} 张`,
        )
      : tr(`Never more than the ${tickets} ticket${tickets === 1 ? "" : "s"} for sale were sold`, `卖出的票从未超过出售的 ${tickets} 张`);
  const caption = tr(
    `Tickets sold per trial; the dashed line is the ${tickets} ticket${tickets === 1 ? "" : "s"} that existed — bars right of it are oversales.`,
    `每次试验卖出的票数；虚线是实际存在的 ${tickets} 张票，虚线右边的柱子就是超卖。`,
  );
  return {
    data,
    layout: baseLayout(
      title,
      tr("tickets sold in a trial (count)", "一次试验卖出的票数（张）"),
      tr("trials (count)", "试验次数"),
      caption,
      {
        barmode: "group",
        xaxis: { title: { text: tr("tickets sold in a trial (count)", "一次试验卖出的票数（张）") }, dtick: 1 },
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
      },
    ),
    caption,
    text: textTable(
      [tr("strategy", "策略"), "sold: trials"],
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
      ? tr(
          `Correct in every trial: ${fastest.config.strategy} in ${fastest.summary.meanElapsedMs.toFixed(0)} ms, ${slowest.config.strategy} ${(slowest.summary.meanElapsedMs / fastest.summary.meanElapsedMs).toFixed(1)}× slower`,
          `每次试验都正确：${fastest.config.strategy} 用时 ${fastest.summary.meanElapsedMs.toFixed(0)} ms，${slowest.config.strategy} 慢 ${(slowest.summary.meanElapsedMs / fastest.summary.meanElapsedMs).toFixed(1)} 倍`,
        )
      : fastest
        ? tr(
            `Only ${fastest.config.strategy} was correct in every trial (${fastest.summary.meanElapsedMs.toFixed(0)} ms per trial)`,
            `只有 ${fastest.config.strategy} 每次试验都正确（每次 ${fastest.summary.meanElapsedMs.toFixed(0)} ms）`,
          )
        : tr("No strategy was correct in every trial", "没有策略在每次试验中都正确");
  const caption = tr(
    "Up is correct (no oversale, no torn read, no corrupt file), left is fast: the finer the lock, the less it costs.",
    "越靠上越正确（不超卖、不读到半个文件、文件不损坏），越靠左越快：锁的粒度越细，代价越小。",
  );
  return {
    data,
    layout: baseLayout(
      title,
      tr("mean wall time per trial (ms)", "每次试验的平均耗时（ms）"),
      tr("correct trials (%)", "正确的试验（%）"),
      caption,
      {
        yaxis: { title: { text: tr("correct trials (%)", "正确的试验（%）") }, range: [-8, 115] },
        xaxis: { title: { text: tr("mean wall time per trial (ms)", "每次试验的平均耗时（ms）") }, rangemode: "tozero" },
        showlegend: false,
      },
    ),
    caption,
    text: textTable(
      [tr("strategy", "策略"), "ms/trial", "correct trials"],
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
    ? tr(
        `Between two holders the lock sits free for a median ${median.toFixed(1)} ms`,
        `两个持有者之间，锁空闲的中位时间为 ${median.toFixed(1)} ms`,
      )
    : tr("No lock handoffs in these runs", "这些运行中没有锁的交接");
  const caption = tr(
    "Each dot is one handoff: time from a release to the next acquire. The waiting buyer only notices the free lock when it next checks.",
    "每个点是一次交接：从释放到下一次获取的时间。等待的买家要到下一次检查时才发现锁已空闲。",
  );
  return {
    data,
    layout: baseLayout(title, tr("handoff gap (ms)", "交接间隔（ms）"), tr("strategy", "策略"), caption, {
      showlegend: false,
      xaxis: { title: { text: tr("handoff gap (ms)", "交接间隔（ms）") }, rangemode: "tozero" },
    }),
    caption,
    text: textTable(
      [tr("strategy", "策略"), "handoffs", "median ms", "max ms"],
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
