// The browser test's judgement of a finished Run All (scripts/browser/verdict.mjs) and its
// reading of the kernel's websocket frames (scripts/browser/kernel-replies.mjs).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { expectedCells, judgeRun, tslabFailure } from "../../scripts/browser/verdict.mjs";
import { parseKernelFrame } from "../../scripts/browser/kernel-replies.mjs";

const notebook = {
  cells: [
    { cell_type: "markdown", source: ["# Title"], metadata: {} },
    { cell_type: "code", source: ["setupPlots()"], metadata: {} },
    { cell_type: "code", source: "display(fig)", metadata: { proclab: { expect: { plots: 1 } } } },
    { cell_type: "code", source: "await rush()", metadata: { proclab: { expect: { progress: true } } } },
    { cell_type: "code", source: "  ", metadata: {} },
  ],
};
const expected = expectedCells(notebook);
const stdout = (text) => ({ mime: "application/vnd.jupyter.stdout", text });
const stderr = (text) => ({ mime: "application/vnd.jupyter.stderr", text });
const good = () => [
  { prompt: "", outputs: [], drawn: 0 },
  { prompt: "1", outputs: [], drawn: 0 },
  { prompt: "2", outputs: [{ mime: "", text: "" }], drawn: 1 },
  { prompt: "3", outputs: [stdout("sold 10\n")], drawn: 0 },
  { prompt: "", outputs: [], drawn: 0 },
];

test("a run where every cell ran, plots drew and progress streamed passes", () => {
  assert.deepEqual(judgeRun(expected, good(), new Set([3])), []);
});

test("a cell that never ran, an undrawn plot and missing progress are each reported", () => {
  const shown = good();
  shown[1].prompt = "*";
  shown[2].drawn = 0;
  assert.deepEqual(judgeRun(expected, shown, new Set()), [
    "cell 2 did not run (its prompt shows [*])",
    "cell 3 should draw 1 plotly figure(s), 0 drawn",
    "cell 4 showed no output while it was running (live progress expected)",
  ]);
});

test("tslab's compile and runtime errors on stderr are errors; a child's prefixed stderr is not", () => {
  assert.equal(tslabFailure("1:25 - Cannot find name 'x'.\n"), "1:25 - Cannot find name 'x'.");
  assert.equal(
    tslabFailure("Error: Interrupted asynchronously\n    at interrupt (/x/executor.js:99:9)\n"),
    "Error: Interrupted asynchronously",
  );
  assert.equal(tslabFailure("[Process-1] Error: boom\n[Process-1]     at target (file.ts:3:9)\n"), null);
  assert.equal(tslabFailure("warning: slow disk\n"), null);
  const shown = good();
  shown[3].outputs.push(stderr("TypeError: x is not a function\n    at evalmachine.<anonymous>:3:1\n"));
  assert.deepEqual(judgeRun(expected, shown, new Set([3])), ["cell 4 shows an error: TypeError: x is not a function"]);
});

test("a cell tagged raises-exception may show its error", () => {
  const tagged = expectedCells({ cells: [{ cell_type: "code", source: "lock.release()", metadata: { tags: ["raises-exception"] } }] });
  assert.deepEqual(
    judgeRun(tagged, [{ prompt: "1", outputs: [stderr("Error: release unlocked lock\n    at x (y:1:1)\n")], drawn: 0 }], new Set()),
    [],
  );
});

test("a page that shows a different number of cells than the notebook fails", () => {
  assert.equal(judgeRun(expected, good().slice(1), new Set()).length, 1);
});

test("an execute_reply is read from a v1 binary websocket frame and from a legacy JSON frame", () => {
  const parts = [
    "shell",
    JSON.stringify({ msg_type: "execute_reply" }),
    JSON.stringify({ msg_type: "execute_request" }),
    "{}",
    JSON.stringify({ status: "abort" }),
  ];
  const head = 8 * (1 + parts.length);
  const offsets = parts.reduce((list, part) => [...list, list.at(-1) + Buffer.byteLength(part)], [head]).slice(0, parts.length);
  const u64 = (n) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const binary = Buffer.concat([u64(parts.length), ...offsets.map(u64), ...parts.map((p) => Buffer.from(p))]);
  assert.deepEqual(parseKernelFrame(binary), { channel: "shell", type: "execute_reply", content: { status: "abort" } });
  const legacy = JSON.stringify({ channel: "shell", header: { msg_type: "execute_reply" }, content: { status: "ok" } });
  assert.deepEqual(parseKernelFrame(legacy), { channel: "shell", type: "execute_reply", content: { status: "ok" } });
  assert.equal(parseKernelFrame("not json"), null);
});
