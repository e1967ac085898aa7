/**
 * Figures as plain plotly.js specs ({ data, layout }), plus what the course
 * adds to each: a caption (what to notice) and a short text table for places
 * that cannot draw (terminals, GitHub). One palette for the whole course.
 */
import { tr } from "../core/lang";

/** One plotly.js trace: `type` plus any plotly attributes. */
export interface Trace {
  type: string;
  name?: string;
  [attribute: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout: { title: { text: string; [attribute: string]: unknown }; [attribute: string]: unknown };
  /** One line under the figure: what to notice. */
  caption: string;
  /** A short plain-text table of the numbers drawn. */
  text: string;
}

/**
 * Course palette: unprotected runs warm, protected runs cool, waiting grey,
 * holding a lock saturated.
 */
export const palette = {
  strategy: {
    none: "#e8590c",
    "seed-lock": "#0c8599",
    join: "#2f9e44",
    lock: "#1971c2",
    coarse: "#5f3dc4",
  } as Record<string, string>,
  unprotected: "#e8590c",
  protected: "#1971c2",
  failure: "#c92a2a",
  waiting: "#adb5bd",
  holding: "#0b3d91",
  lifetime: "#e9ecef",
  read: "#343a40",
  write: "#c92a2a",
} as const;

export function strategyColor(name: string): string {
  return palette.strategy[name] ?? palette.protected;
}

/** The layout every figure shares: finding as title, labelled axes, caption under the plot. */
export function baseLayout(
  title: string,
  xTitle: string,
  yTitle: string,
  caption: string,
  extra: Record<string, unknown> = {},
): Figure["layout"] {
  return {
    title: { text: title, x: 0.02, xanchor: "left" },
    xaxis: { title: { text: xTitle }, zeroline: false },
    yaxis: { title: { text: yTitle }, zeroline: false },
    margin: { l: 80, r: 30, t: 60, b: 110 },
    height: 420,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", xanchor: "left" },
    annotations: [
      // Pinned in pixels below the x-axis title, so it never overlaps it, whatever the figure's height.
      {
        text: caption,
        xref: "paper",
        yref: "paper",
        x: 0,
        y: 0,
        yshift: -64,
        xanchor: "left",
        yanchor: "top",
        showarrow: false,
        font: { size: 12, color: "#495057" },
      },
    ],
    ...extra,
  };
}

/** Layout of a figure with one horizontal lane per process, first row on top. */
export function laneLayout(
  title: string,
  xTitle: string,
  caption: string,
  rows: readonly string[],
  size: { minHeight: number; base: number; perRow: number },
  extra: Record<string, unknown> = {},
): Figure["layout"] {
  return baseLayout(title, xTitle, tr("process", "进程"), caption, {
    barmode: "overlay",
    yaxis: { title: { text: tr("process", "进程") }, categoryorder: "array", categoryarray: [...rows].reverse(), automargin: true },
    height: Math.max(size.minHeight, size.base + size.perRow * rows.length),
    ...extra,
  });
}

/** A stretch of time on one lane: from/to in ms, an optional label shown on hover. */
export interface Span {
  row: string;
  from: number;
  to: number;
  label?: string;
}

/** Horizontal bars, one per span, on the lanes of a lane figure. */
export function spanBars(name: string, spans: readonly Span[], color: string, width: number): Trace {
  return {
    type: "bar",
    orientation: "h",
    name,
    y: spans.map((s) => s.row),
    base: spans.map((s) => s.from),
    x: spans.map((s) => Math.max(s.to - s.from, 0.05)),
    width,
    text: spans.map((s) => s.label ?? ""),
    textposition: "none",
    marker: { color },
    hovertemplate: `${name}: from %{base:.1f} ms for %{x:.1f} ms %{text}<extra>%{y}</extra>`,
  };
}
