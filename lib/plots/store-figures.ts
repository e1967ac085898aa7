/** Figures of the beyond-one-machine chapter: what each strategy sold, and a pause breaking a lease. */
import { tr } from "../core/lang";
import type { StoreRushResult } from "../distributed/rush";
import { textTable } from "../core/text";
import { baseLayout, laneLayout, palette, spanBars, type Figure, type Span, type Trace } from "./figure";

/** Sold per trial for each strategy, against the tickets that existed: warm where oversold. */
export function storeOutcomeFigure(results: readonly StoreRushResult[]): Figure {
  const tickets = results[0]?.config.tickets ?? 0;
  const rows = results.map((r) => r.label);
  const data: Trace[] = results.flatMap((r) =>
    r.trials.map((t) => ({
      type: "scatter",
      mode: "markers",
      showlegend: false,
      name: r.label,
      x: [t.sold],
      y: [r.label],
      marker: { size: 12, color: t.oversold > 0 ? palette.unprotected : palette.protected, line: { width: 1, color: "#ffffff" } },
      hovertemplate: `${r.label} trial ${t.trial}: sold %{x} of ${t.tickets}<extra></extra>`,
    })),
  );
  data.push({
    type: "scatter",
    mode: "lines",
    name: tr(`${tickets} tickets existed`, `共有 ${tickets} 张票`),
    x: [tickets, tickets],
    y: [rows[0], rows[rows.length - 1]],
    line: { color: palette.failure, dash: "dash" },
  });
  const over = results.filter((r) => r.summary.oversoldTrials > 0).map((r) => r.label);
  const title =
    over.length > 0
      ? tr(`Only ${over.join(", ")} sold more than the ${tickets} tickets`, `只有 ${over.join("、")} 卖出了超过 ${tickets} 张票`)
      : tr(`Every strategy sold exactly the ${tickets} tickets`, `每种策略都恰好卖出 ${tickets} 张票`);
  return {
    data,
    layout: baseLayout(
      title,
      tr("tickets sold per trial", "每次试验卖出的票数"),
      tr("strategy", "策略"),
      tr(
        "One dot per trial: blue sold at most what existed, orange oversold. Buyers share only the server.",
        "每个点一次试验：蓝色表示卖出不超过实有票数，橙色表示超卖。买家之间只共享服务器。",
      ),
      {
        yaxis: { title: { text: tr("strategy", "策略") }, categoryorder: "array", categoryarray: [...rows].reverse(), automargin: true },
        height: Math.max(320, 140 + 34 * rows.length),
      },
    ),
    caption: tr(
      "One dot per trial: blue sold at most what existed, orange oversold. Buyers share only the server.",
      "每个点一次试验：蓝色表示卖出不超过实有票数，橙色表示超卖。买家之间只共享服务器。",
    ),
    text: textTable(
      [tr("strategy", "策略"), "sold per trial", "tickets"],
      results.map((r) => [r.label, r.trials.map((t) => t.sold).join(" "), String(tickets)]),
    ),
  };
}

/** The first trial of a pause demo, one lane per buyer: each purchase from its start to the store's answer, and the stop. */
export function pauseFigure(result: StoreRushResult): Figure {
  const trial = result.trials[0];
  const origin = trial.startedAt;
  const rows = trial.buyers.map((b) => b.name);
  const spans = (what: "sold" | "rejected" | "none-left"): Span[] =>
    trial.buyers.flatMap((b) =>
      b.purchases.filter((p) => p.attempt === what).map((p) => ({ row: b.name, from: p.start - origin, to: p.end - origin, label: what })),
    );
  const data: Trace[] = [
    spanBars(tr("purchase that sold (lock wait included)", "成功的购买（含等锁时间）"), spans("sold"), palette.holding, 0.5),
    spanBars(tr("write refused by the store (stale token)", "被存储拒绝的写入（过期令牌）"), spans("rejected"), palette.failure, 0.5),
    spanBars(tr("found no ticket left", "发现无票可买"), spans("none-left"), palette.waiting, 0.5),
  ];
  if (trial.paused)
    data.push(
      spanBars(
        tr("stopped (SIGSTOP → SIGCONT)", "被暂停（SIGSTOP → SIGCONT）"),
        [{ row: trial.paused.buyer, from: trial.paused.stoppedAt - origin, to: trial.paused.continuedAt - origin }],
        palette.unprotected,
        0.25,
      ),
    );
  const lease = result.config.leaseMs;
  const title =
    trial.oversold > 0
      ? tr(
          `${result.label}: stopped past its ${lease} ms lease, ${trial.paused?.buyer ?? "a buyer"} still sold — ${trial.sold} sold of ${trial.tickets}`,
          `${result.label}：暂停超过了 ${lease} ms 的租约，${trial.paused?.buyer ?? "一个买家"} 仍然卖出了票——${trial.tickets} 张票卖出 ${trial.sold} 张`,
        )
      : tr(
          `${result.label}: the stopped buyer's late write was refused — ${trial.sold} sold of ${trial.tickets}`,
          `${result.label}：被暂停的买家迟到的写入被拒绝——${trial.tickets} 张票卖出 ${trial.sold} 张`,
        );
  const caption = tr(
    "The orange bar is the stop: the lease runs out during it, another buyer takes the lock and sells; then the stopped one wakes and writes.",
    "橙色条是暂停：租约在暂停期间到期，另一个买家拿到锁并卖出；随后被暂停的买家醒来并写入。",
  );
  return {
    data,
    layout: laneLayout(title, tr("ms since the trial started", "自试验开始起的时间（ms）"), caption, rows, {
      minHeight: 300,
      base: 200,
      perRow: 50,
    }),
    caption,
    text: textTable(
      ["buyer", "purchases (start–end ms: outcome)"],
      trial.buyers.map((b) => [
        b.name,
        b.purchases.map((p) => `${(p.start - origin).toFixed(0)}–${(p.end - origin).toFixed(0)}: ${p.attempt}`).join(", "),
      ]),
    ),
  };
}
