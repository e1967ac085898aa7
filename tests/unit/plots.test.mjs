// Figures are plotly specs with the expected traces, titles and labelled axes; a figure is
// shown as ONE output carrying plotly JSON, HTML (plotly.js inline once) and plain text.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as path from "node:path";
import { oversoldFigure, soldHistogram, granularityFigure, timelineFigure, display, setupPlots } from "proclab";
import { inNotebook } from "proclab/core";
import { handoffFigure, handoffGaps, figureBundle, plotlyVersion, palette, lifetimesFigure } from "proclab/plots";
import { trialOutcome, summarize, rushConfig } from "proclab/tickets";

const buyer = (index, bought, tornReads = 0) => ({ index, pid: 100 + index, shown: 1, read: 1, bought, tornReads });
const ev = (t, pid, type, data) => ({ t, pid, name: `buyer-${pid - 100}`, type, ...(data ? { data } : {}) });

/** A synthetic rush: `sold[i]` buyers succeed in trial i; locked strategies get lock events. */
function rush(strategy, soldPerTrial, elapsedMs) {
  const config = rushConfig({ strategy, trials: soldPerTrial.length, db: "/tmp/unused.json" });
  const trials = soldPerTrial.map((sold, i) =>
    trialOutcome({
      trial: i + 1,
      tickets: 1,
      buyers: Array.from({ length: 3 }, (_, b) => buyer(b, b < sold)),
      finalText: '{"count":0}',
      elapsedMs,
      events: [0, 1, 2].flatMap((b) => [
        ev(1000 + b, 100 + b, "task-start"),
        ev(1001 + b, 100 + b, "lock-requested"),
        ev(1002 + 10 * b, 100 + b, "lock-acquired"),
        ev(1003 + 10 * b, 100 + b, "read", { by: "buy", count: 1 - Math.min(b, 1) }),
        ev(1009 + 10 * b, 100 + b, "write", { count: 0 }),
        ev(1010 + 10 * b, 100 + b, "lock-released"),
        ev(1011 + 10 * b, 100 + b, "task-end"),
      ]),
    }),
  );
  return { config, trials, summary: summarize(trials) };
}
const results = [
  rush("none", [3, 3, 2, 3], 10),
  rush("lock", [1, 1, 1, 1], 40),
  rush("coarse", [1, 1, 1, 1], 70),
  rush("join", [1, 1, 1, 1], 90),
];

function assertWellFormed(figure) {
  assert.ok(Array.isArray(figure.data) && figure.data.length > 0);
  for (const trace of figure.data) assert.equal(typeof trace.type, "string");
  assert.ok(figure.layout.title.text.length > 10, "a title that states the finding");
  assert.ok(figure.layout.xaxis.title.text && figure.layout.yaxis.title.text, "labelled axes");
  assert.match(figure.layout.xaxis.title.text + figure.layout.yaxis.title.text, /\((ms|count|number|%)\)/, "axis units");
  assert.ok(figure.caption.length > 10 && figure.layout.annotations.some((a) => a.text === figure.caption), "caption under the plot");
  // A figure travels to the notebook as JSON: it must come back the same (no NaN turned null, no undefined dropped).
  assert.deepEqual(JSON.parse(JSON.stringify(figure)), figure, "the figure survives a JSON round trip unchanged");
}

test("oversoldFigure: one row per strategy (none hides another), unprotected warm and protected cool, title states the oversale", () => {
  const figure = oversoldFigure(results);
  assertWellFormed(figure);
  assert.deepEqual(
    figure.data.map((t) => t.name),
    ["none", "lock", "coarse", "join"],
  );
  assert.deepEqual(figure.data[0].text, ["2", "2", "1", "2"]);
  assert.deepEqual(figure.data[0].y, ["none", "none", "none", "none"]);
  assert.deepEqual(new Set(figure.data.map((t) => t.y[0])).size, 4, "each strategy on a row of its own");
  assert.deepEqual(figure.data[1].marker.symbol, ["circle-open", "circle-open", "circle-open", "circle-open"]);
  assert.equal(figure.data[0].marker.color, palette.strategy.none);
  assert.equal(figure.layout.title.text, "none: 1 ticket sold up to 3 times (oversold in 4/4 trials); lock, coarse and join: never");
});

test("soldHistogram: a histogram of tickets sold per strategy with the ticket line", () => {
  const figure = soldHistogram(results);
  assertWellFormed(figure);
  assert.ok(figure.data.every((t) => t.type === "histogram"));
  assert.deepEqual(figure.data[0].x, [3, 3, 2, 3]);
  assert.equal(figure.layout.shapes[0].x0, 1);
  assert.match(figure.text, /none\s+2: 1, 3: 3/);
});

test("granularityFigure: wall time against correct trials; the title compares the correct strategies", () => {
  const figure = granularityFigure(results);
  assertWellFormed(figure);
  assert.deepEqual(
    figure.data.map((t) => [t.name, t.x[0], t.y[0]]),
    [
      ["none", 10, 0],
      ["lock", 40, 100],
      ["coarse", 70, 100],
      ["join", 90, 100],
    ],
  );
  assert.equal(figure.layout.title.text, "Correct in every trial: lock in 40 ms, join 2.3× slower");
});

test("handoffGaps measures release-to-acquire gaps and handoffFigure draws them for locked strategies only", () => {
  assert.deepEqual(
    handoffGaps(results[1].trials[0].events).map((g) => Math.round(g)),
    [2, 2],
  );
  const figure = handoffFigure(results);
  assertWellFormed(figure);
  assert.deepEqual(
    figure.data.map((t) => t.name),
    ["lock", "coarse"],
  );
  assert.equal(figure.data[0].x.length, 8);
});

test("timelineFigure: one row per process with lifetimes, grey waits, saturated holds, reads and writes", () => {
  const figure = timelineFigure(results[1].trials[0]);
  assertWellFormed(figure);
  const byName = Object.fromEntries(figure.data.map((t) => [t.name, t]));
  assert.deepEqual(Object.keys(byName), ["process alive", "waiting for the lock", "holding the lock", "read db.json", "write db.json"]);
  assert.equal(byName["waiting for the lock"].marker.color, palette.waiting);
  assert.equal(byName["holding the lock"].marker.color, palette.holding);
  assert.deepEqual(byName["process alive"].y, ["buyer-0 (100)", "buyer-1 (101)", "buyer-2 (102)"]);
  assert.deepEqual(byName["holding the lock"].base, [2, 12, 22], "x in ms from the first event");
  assert.match(figure.layout.title.text, /One holder at a time: 3 lock holds/);
});

test("timelineFigure: a holder killed while holding the lock holds it until it ends", () => {
  const ev = (t, pid, name, type, data = {}) => ({ t, pid, name, type, data });
  const figure = timelineFigure([
    ev(0, 1, "holder", "start"),
    ev(5, 1, "holder", "lock-acquired", { lock: "l", waitedMs: 0, how: "free" }),
    ev(50, 1, "holder", "exit", { code: null, signal: "SIGKILL", exitCode: -9, ready: true }),
    ev(10, 2, "waiter", "start"),
    ev(12, 2, "waiter", "lock-requested", { lock: "l", blocking: true }),
    ev(60, 2, "waiter", "lock-acquired", { lock: "l", waitedMs: 48, how: "recovered" }),
    ev(61, 2, "waiter", "lock-released", { lock: "l", holder: 2, heldMs: 1 }),
  ]);
  const holds = figure.data.find((t) => t.name === "holding the lock");
  assert.deepEqual(holds.y, ["holder (1)", "waiter (2)"]);
  assert.deepEqual(holds.base, [5, 60]);
  assert.deepEqual(holds.x, [45, 1], "the holder's hold ends with it, at 50 ms");
});

test("timelineFigure's title says one holder at a time only when no two drawn holds overlap", () => {
  const ev = (t, pid, name, type, data = {}) => ({ t, pid, name, type, data });
  const buyer = (pid, from, to) => [
    ev(from - 1, pid, `b${pid}`, "start"),
    ev(from, pid, `b${pid}`, "lock-acquired", { lock: "l", waitedMs: 0, how: "free" }),
    ev(to, pid, `b${pid}`, "lock-released", { lock: "l", holder: pid, heldMs: to - from }),
    ev(to + 1, pid, `b${pid}`, "exit", { code: 0, signal: null, exitCode: 0, ready: true }),
  ];
  const apart = timelineFigure([...buyer(1, 10, 20), ...buyer(2, 20, 30)]);
  assert.match(apart.layout.title.text, /^One holder at a time: 2 lock holds, none overlapping/);
  const together = timelineFigure([...buyer(1, 10, 20), ...buyer(2, 15, 30), ...buyer(3, 31, 40)]);
  assert.match(together.layout.title.text, /^3 lock holds drawn, 1 of them beginning before an earlier one ended/);
});

test("lifetimesFigure's title compares a child's end with its main's end, or with the kill when the main was killed", () => {
  const life = (name, pid, start, end, daemon, signal = null) => ({
    name,
    pid,
    ppid: 1,
    daemon,
    start,
    end,
    exitCode: 0,
    signal,
    ppids: [1],
  });
  const transcript = (killedAt, mainEnd) => ({
    name: "main",
    pid: 1,
    lifetimes: [life("main", 1, 0, mainEnd, false, killedAt === null ? null : "SIGKILL"), life("Process-1", 2, 10, 108, true, "SIGKILL")],
    lines: [],
    events: [],
    killedAt,
  });
  assert.equal(
    lifetimesFigure(transcript(null, 120)).layout.title.text,
    "Process-1 (daemon) ended 12 ms before main (main ended at 120 ms)",
  );
  // Killed at 100 ms, its death seen at 116: the child died 8 ms after the kill, not "before main".
  assert.equal(
    lifetimesFigure(transcript(100, 116)).layout.title.text,
    "Process-1 (daemon) ended 8 ms after main was killed (main killed at 100 ms)",
  );
});

test("figureBundle carries plotly JSON, HTML and text; plotly.js is inlined only when asked", () => {
  const figure = oversoldFigure(results);
  const first = figureBundle(figure, { withLibrary: true });
  assert.deepEqual(Object.keys(first).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
  assert.deepEqual(first["application/vnd.plotly.v1+json"].data, figure.data);
  assert.ok(first["text/html"].includes(`plotly.js v${plotlyVersion()}`) && first["text/html"].length > 1_000_000);
  assert.match(first["text/html"], /window\.define = undefined/, "RequireJS pages (classic Notebook) still get window.Plotly");
  const later = figureBundle(figure);
  assert.ok(later["text/html"].length < 20_000, "later figures are small divs");
  assert.match(later["text/html"], /<div id="proclab-plot-[^"]+" class="proclab-plot"/);
  assert.match(later["text/html"], /Plotly\.newPlot/);
  assert.doesNotMatch(later["text/html"].replace(/<\/script>/g, ""), /<\/script/i);
  assert.match(first["text/plain"], /^none: 1 ticket sold up to 3 times/);
});

test("outside a notebook display() prints the text table", () => {
  assert.equal(inNotebook(), false);
  const lines = [];
  const log = console.log;
  console.log = (text) => lines.push(text);
  try {
    display(granularityFigure(results));
  } finally {
    console.log = log;
  }
  assert.match(lines.join("\n"), /strategy\s+ms\/trial\s+correct trials/);
});

// A stand-in for tslab's kernel module, in the place display() looks for it.
const require = createRequire(import.meta.url);
const fakeKernel = path.join(path.dirname(require.resolve("tslab")), "jupyter.js");
const sent = [];
const realEntry = require.cache[fakeKernel];
after(() => {
  if (realEntry) require.cache[fakeKernel] = realEntry;
  else delete require.cache[fakeKernel];
});

test("in a notebook display() sends ONE display_data with all three types, plotly.js only with the first", () => {
  require.cache[fakeKernel] = { exports: { lastWriteDisplayData: (content, update) => sent.push({ content, update }) } };
  assert.equal(inNotebook(), true);
  display(oversoldFigure(results));
  display(soldHistogram(results));
  assert.equal(sent.length, 2);
  for (const { content, update } of sent) {
    assert.equal(update, false);
    assert.deepEqual(Object.keys(content.data).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
  }
  assert.ok(sent[0].content.data["text/html"].length > 1_000_000, "first figure carries plotly.js");
  assert.ok(sent[1].content.data["text/html"].length < 20_000, "second is a small div");
  setupPlots();
  assert.ok(sent[2].content.data["text/html"].length > 1_000_000, "setupPlots always sends plotly.js (first cell of Run All)");
});

test("in a notebook runRush shows live progress as one display updated in place", { timeout: 60_000 }, async () => {
  const { runRush } = await import("proclab");
  const os = await import("node:os");
  require.cache[fakeKernel] = { exports: { lastWriteDisplayData: (content, update) => sent.push({ content, update }) } };
  sent.length = 0;
  const db = path.join(os.tmpdir(), `proclab-progress-${process.pid}.json`);
  await runRush({ strategy: "lock", buyers: 2, trials: 2, db });
  const updates = sent.filter(({ content }) => content.transient.display_id);
  assert.deepEqual(
    updates.map((u) => u.update),
    [false, true],
  );
  assert.equal(new Set(updates.map((u) => u.content.transient.display_id)).size, 1);
  assert.match(updates[1].content.data["text/plain"], /rush lock: trial 2\/2 · oversold in 0/);
  // The rush's db.json and the lock beside it (lock, owner and waiters files).
  for (const file of [db, `${db}.lock`, `${db}.lock.owner`, `${db}.lock.waiters`])
    (await import("node:fs")).rmSync(file, { recursive: true, force: true });
});
