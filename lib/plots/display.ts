/**
 * Showing a figure in a notebook: ONE output carrying three MIME types —
 *   application/vnd.plotly.v1+json  drawn by JupyterLab's plotly extension and VS Code,
 *   text/html                       a div drawn by plotly.js embedded inline (works offline,
 *                                   in classic Notebook and in exported HTML),
 *   text/plain                      title, table and caption, for GitHub and terminals.
 * plotly.js (~4.5 MB) travels once: with `setupPlots()` (call it in a notebook's
 * first cell, so "Run All" always puts it at the top of the page) or else with
 * the first figure this kernel shows; later figures are small divs that wait
 * for it. It is evaluated only when a figure's HTML is drawn. Outside a notebook, `display` prints the text/plain part.
 */
import * as fs from "node:fs";
import type { Figure } from "./figure";
import { displayBundle, inNotebook, type MimeBundle } from "../core/notebook";

let plotlySource: string | null = null;
let libraryShown = false;
let figureCounter = 0;

function plotlyJs(): string {
  plotlySource ??= fs.readFileSync(require.resolve("plotly.js-dist-min"), "utf8");
  return plotlySource;
}

/** The plotly.js version embedded in notebooks. */
export function plotlyVersion(): string {
  return (/plotly\.js v([\d.]+)/.exec(plotlyJs().slice(0, 200)) ?? ["", "unknown"])[1];
}

/**
 * plotly.js as an inert script element and a loader that evaluates it on first use. A figure's
 * HTML calls the loader: exported HTML and classic Notebook pay for evaluating it once,
 * while JupyterLab, which draws figures from their plotly JSON, never evaluates it (that cost
 * ~3 s of a notebook's Run All on 2 cores). Classic Notebook and nbconvert pages have RequireJS:
 * plotly's UMD header would then register an anonymous AMD module (and fail) instead of setting
 * window.Plotly, so `define` is hidden while it runs.
 */
function plotlyLibraryHtml(): string {
  const loader = `window.__proclabLoadPlotly = function () {
  var source = document.getElementById("proclab-plotly-js");
  if (window.Plotly || !source) return;
  var define = window.define;
  window.define = undefined;
  try {
    var script = document.createElement("script");
    script.text = source.textContent;
    document.head.appendChild(script); // an inline script runs as it is inserted
  } finally {
    window.define = define;
  }
};`;
  return `<script type="text/plain" id="proclab-plotly-js">${plotlyJs()}</script>\n` + `<script type="text/javascript">${loader}</script>`;
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const plotConfig = { responsive: true, displaylogo: false };

/** The HTML of one figure: a div and a script that draws it once window.Plotly exists. */
function figureHtml(figure: Figure, options: { withLibrary?: boolean } = {}): string {
  const id = `proclab-plot-${process.pid}-${Date.now().toString(36)}-${++figureCounter}`;
  const spec = { data: figure.data, layout: figure.layout, config: plotConfig };
  const draw = `(function () {
  var spec = ${scriptJson(spec)};
  var tries = 0;
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (!el) return;
    if (!window.Plotly && window.__proclabLoadPlotly) window.__proclabLoadPlotly();
    if (window.Plotly) { window.Plotly.newPlot(el, spec.data, spec.layout, spec.config); return; }
    if (++tries < 100) { setTimeout(draw, 100); return; }
    el.textContent = "plotly.js is not loaded in this page: run the notebook's first cell (setupPlots()) again, then this one.";
  }
  draw();
})();`;
  return (
    (options.withLibrary ? `${plotlyLibraryHtml()}\n` : "") +
    `<div id="${id}" class="proclab-plot" style="width:100%;min-height:${Number(figure.layout.height ?? 420)}px"></div>\n` +
    `<script type="text/javascript">${draw}</script>`
  );
}

/** title, table and caption. */
function figureText(figure: Figure): string {
  return `${figure.layout.title.text}\n\n${figure.text}\n\n${figure.caption}`;
}

/** The one output's MIME bundle for `figure`. */
export function figureBundle(figure: Figure, options: { withLibrary?: boolean } = {}): MimeBundle {
  return {
    "application/vnd.plotly.v1+json": { data: figure.data, layout: figure.layout, config: plotConfig },
    "text/html": figureHtml(figure, options),
    "text/plain": figureText(figure),
  };
}

/** Loads plotly.js into the notebook page (call in the first cell); prints a note outside a notebook. */
export function setupPlots(): void {
  const note = `plotly.js ${plotlyVersion()} embedded inline`;
  if (displayBundle({ "text/html": `${plotlyLibraryHtml()}\n<small>${escapeHtml(note)}</small>`, "text/plain": note })) libraryShown = true;
  else console.log(`${note} (outside a notebook: figures print as text)`);
}

/** Shows a figure: in a notebook one output (plotly JSON, HTML, text); elsewhere its text. */
export function display(figure: Figure): void {
  if (inNotebook()) {
    displayBundle(figureBundle(figure, { withLibrary: !libraryShown }));
    libraryShown = true;
  } else {
    console.log(figureText(figure));
  }
}
