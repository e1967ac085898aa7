// The Chinese edition is generated from the English notebooks: code cells and expectations are
// the English ones, markdown comes from i18n/zh-CN/. These tests fail when the committed edition
// drifts: a code cell that differs, a translation missing or made for older English text.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { check, differingCells, generate, sourceNotebooks, editionNotebook, pendingNotebooks } from "../../scripts/editions.mjs";

test("the Chinese edition is in step with the English notebooks: every translation there and current, every notebook as generated", () => {
  assert.deepEqual(check("zh-CN"), []);
});

test("every code cell of the Chinese edition is the English cell, expectations included; only markdown differs", () => {
  for (const notebook of sourceNotebooks().filter((n) => !pendingNotebooks("zh-CN").includes(n))) {
    const english = JSON.parse(fs.readFileSync(path.join("notebooks", notebook), "utf8"));
    const chinese = JSON.parse(fs.readFileSync(editionNotebook("zh-CN", notebook), "utf8"));
    assert.equal(chinese.cells.length, english.cells.length, notebook);
    english.cells.forEach((cell, i) => {
      if (cell.cell_type === "code") assert.deepEqual(chinese.cells[i], cell, `${notebook} code cell ${cell.id}`);
      else
        assert.match(
          [].concat(chinese.cells[i].source).join(""),
          /\p{Script=Han}/u,
          `${notebook} markdown cell ${cell.id} is not translated`,
        );
    });
    assert.equal(chinese.metadata.proclab.edition, "zh-CN");
    assert.deepEqual(chinese.metadata.kernelspec, english.metadata.kernelspec);
  }
});

test("a code cell edited in the Chinese edition alone is caught, naming the cell", () => {
  const notebook = sourceNotebooks().find((n) => n.startsWith("03-"));
  const expected = generate("zh-CN", notebook).notebook;
  const edited = structuredClone(expected);
  const code = edited.cells.find((cell) => cell.cell_type === "code");
  code.source = [...[].concat(code.source), "\nconsole.log('only in Chinese');"];
  assert.deepEqual(differingCells(edited, expected), [`code cell ${code.id}`]);
  assert.deepEqual(differingCells(expected, expected), []);
});

test("the language: the Chinese edition's folder, then PROCLAB_LANG, then the locale; figures and feedback follow it", async () => {
  const { spawnSync } = await import("node:child_process");
  const ask = (cwd, env) =>
    spawnSync(process.execPath, ["-e", 'process.stdout.write(require("proclab/core").language())'], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
      encoding: "utf8",
    }).stdout;
  const zhFolder = path.resolve("notebooks", "zh-CN");
  assert.equal(ask(zhFolder, { PROCLAB_LANG: "en" }), "zh-CN", "a notebook of the Chinese edition speaks Chinese");
  assert.equal(ask(process.cwd(), { PROCLAB_LANG: "zh-CN" }), "zh-CN");
  assert.equal(ask(process.cwd(), { LANG: "zh_CN.UTF-8" }), "zh-CN");
  assert.equal(ask(process.cwd(), { LANG: "zh_CN.UTF-8", PROCLAB_LANG: "en" }), "en");
  assert.equal(ask(process.cwd(), { LANG: "C.UTF-8" }), "en");
  const { feedbackMarkdown } = await import("proclab/grading");
  const report = { score: 1, maxScore: 2, tests: [{ name: "t", points: 1, maxPoints: 2, passed: false, message: "m" }] };
  assert.match(
    feedbackMarkdown("hw — ana", report, new Set(["t"]), [], "zh-CN"),
    /^# 反馈: hw — ana\n\n\*\*得分: 1 \/ 2\*\*[\s\S]*\| 测试 \| 分数 \| 为什么没有满分 \|[\s\S]*\*\(隐藏测试\)\*/,
  );
  assert.match(feedbackMarkdown("hw — ana", report, new Set(), [], "en"), /^# Feedback: hw — ana/);
});
