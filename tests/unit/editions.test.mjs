// The Chinese edition is generated from the English notebooks: code cells and expectations are
// the English ones, markdown comes from i18n/zh-CN/. These tests fail when the committed edition
// drifts: a code cell that differs, a translation missing or made for older English text.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { createHash } from "node:crypto";
import { fileWriter } from "../support/files.mjs";
import {
  catalogFile,
  cellPhrases,
  check,
  differingCells,
  documentProblems,
  generate,
  joinWideLines,
  sourceNotebooks,
  editionNotebook,
  pendingNotebooks,
} from "../../scripts/editions.mjs";

test("the Chinese edition is in step with the English notebooks: every translation there and current, every notebook as generated", () => {
  assert.deepEqual(check("zh-CN"), []);
});

/** A code cell's expectation patterns, with the generated claim lines put back as the English ones they came from. */
const withoutClaimLines = (cell) => {
  const patterns = cell.metadata?.proclab?.expect?.output_includes;
  if (!patterns) return cell;
  const kept = patterns.filter((p) => !p.startsWith("claim ✓ ") && !p.startsWith("断言 ✓ "));
  return {
    ...cell,
    metadata: {
      ...cell.metadata,
      proclab: { ...cell.metadata.proclab, expect: { ...cell.metadata.proclab.expect, output_includes: kept } },
    },
  };
};

test("every code cell of the Chinese edition is the English cell, expectations included but for its claim lines; only markdown differs", () => {
  for (const notebook of sourceNotebooks().filter((n) => !pendingNotebooks("zh-CN").includes(n))) {
    const english = JSON.parse(fs.readFileSync(path.join("notebooks", notebook), "utf8"));
    const chinese = JSON.parse(fs.readFileSync(editionNotebook("zh-CN", notebook), "utf8"));
    assert.equal(chinese.cells.length, english.cells.length, notebook);
    english.cells.forEach((cell, i) => {
      if (cell.cell_type === "code") {
        assert.deepEqual(withoutClaimLines(chinese.cells[i]), withoutClaimLines(cell), `${notebook} code cell ${cell.id}`);
        const claims = (c) => (c.metadata?.proclab?.expect?.output_includes ?? []).filter((p) => /^(claim|断言) ✓ /.test(p));
        assert.equal(
          claims(chinese.cells[i]).length,
          claims(cell).length,
          `${notebook} code cell ${cell.id}: one claim line per English one`,
        );
        for (const line of claims(chinese.cells[i])) assert.match(line, /^断言 ✓ .*\p{Script=Han}/u, `${notebook} code cell ${cell.id}`);
      } else
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

test("the sentences code cells show (claims, check names, expect messages) are found, template literals as {} keys", () => {
  const source = [
    'claim("a plain statement", ok, `${a} of ${b} rushes`);',
    'await check("1.1 a test", 1, () => { expect(x === 1, `you predicted ${x}; it ran ${y} times`); expect(y, message); });',
  ].join("\n");
  assert.deepEqual(cellPhrases(source), ["a plain statement", "{} of {} rushes", "1.1 a test", "you predicted {}; it ran {} times"]);
});

test("phrases are shown in the learner's language: exact entries, templates with their values in order or by position, English when unknown", async () => {
  const { phrase } = await import("proclab/core");
  const catalog = JSON.parse(fs.readFileSync(catalogFile("zh-CN"), "utf8"));
  const [key, zh] = Object.entries(catalog).find(([k]) => !k.includes("{}"));
  assert.equal(phrase(key, "zh-CN"), zh);
  assert.equal(phrase(key, "en"), key);
  assert.equal(phrase("a sentence no notebook has", "zh-CN"), "a sentence no notebook has");
  const template = Object.keys(catalog).find((k) => (k.match(/\{\}/g) ?? []).length === 2 && !k.startsWith("{}"));
  const shown = phrase(template.replace("{}", "17").replace("{}", "42"), "zh-CN");
  assert.match(shown, /17[\s\S]*42|42[\s\S]*17/, `${template} → ${shown}`);
  assert.doesNotMatch(shown, /\{\d*\}/);
});

test("a claim, a check and an expect speak the edition's language; the claim line is the one the edition's expectation asserts", async () => {
  const { spawnSync } = await import("node:child_process");
  const notebook = sourceNotebooks().find((n) => n.startsWith("03-"));
  const cell = generate("zh-CN", notebook).notebook.cells.find((c) =>
    (c.metadata?.proclab?.expect?.output_includes ?? []).some((p) => p.startsWith("断言 ✓ ")),
  );
  const [statement] = cellPhrases([].concat(cell.source).join(""));
  const run = (lang) =>
    spawnSync(
      process.execPath,
      [
        "-e",
        `const h = require("proclab/homework");
         h.claim(${JSON.stringify(statement)}, true, "x");
         h.check("1.1 a daemon child finishes when its main joins it", 1, () => h.expect(false, "the main started no child")).catch((e) => console.log(e.message));`,
      ],
      { env: { PATH: process.env.PATH, PROCLAB_LANG: lang }, encoding: "utf8" },
    ).stdout;
  const zh = run("zh-CN");
  assert.ok(
    cell.metadata.proclab.expect.output_includes.filter((p) => p.startsWith("断言 ✓ ")).some((p) => new RegExp(p).test(zh)),
    zh,
  );
  assert.match(zh, /^✗ 1\.1 \p{Script=Han}.*\(0\/1\): \p{Script=Han}/mu);
  assert.match(run("en"), /^claim ✓ [\s\S]*^✗ 1\.1 a daemon child finishes when its main joins it \(0\/1\): the main started no child$/m);
});

test("a translated document whose English changed since, or an English document with no translation, is named", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-docs-"));
  try {
    const write = fileWriter(root);
    const hash = (text) => createHash("sha256").update(text).digest("hex").slice(0, 12);
    for (const [english, chinese] of [
      ["README.md", "README.zh-CN.md"],
      ["docs/STUDENT.md", "docs/zh-CN/STUDENT.md"],
      ["teacher/plan.md", "teacher/zh-CN/plan.md"],
    ]) {
      write(english, `# ${english}\n`);
      write(chinese, `<!-- translated from ${english} sha256:${hash(`# ${english}\n`)} -->\n\n# 译文\n`);
    }
    assert.deepEqual(documentProblems("zh-CN", root), []);
    write("teacher/plan.md", "# plan, changed\n");
    write("teacher/notes.md", "# notes\n");
    const problems = documentProblems("zh-CN", root);
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems[0], /teacher\/notes\.md has no zh-CN translation/);
    assert.match(problems[1], /teacher\/zh-CN\/plan\.md: teacher\/plan\.md changed since it was translated/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("a line break between two Chinese characters, which Markdown shows as a space, is joined outside code blocks only", () => {
  assert.equal(joinWideLines("进程\n安全。\n下一句"), "进程安全。下一句");
  assert.equal(joinWideLines("> **预测。** 哪些\n> 正确？\n\n下一段"), "> **预测。** 哪些正确？\n\n下一段");
  assert.equal(joinWideLines("- 第一\n- 第二\n| 表 |\n| 格 |"), "- 第一\n- 第二\n| 表 |\n| 格 |");
  assert.equal(joinWideLines("中文 word\n中文\n```\n代码\n行\n```"), "中文 word\n中文\n```\n代码\n行\n```");
  // Found in review: a heading, a ~~~ block, an indented fence, HTML and the article's hard breaks stay apart.
  for (const kept of [
    "## 预测\n你认为",
    "~~~\n第一行\n第二行\n~~~",
    "    ```\n代码\n行\n    ```",
    "中文\n<b>粗</b>",
    "> 直接使用join函数\\\n> 但是用join",
  ])
    assert.equal(joinWideLines(kept), kept);
  assert.equal(joinWideLines("任何进程都*可以*\n释放它"), "任何进程都*可以*释放它");
  assert.equal(joinWideLines("1. 运行这部分代码\n   （原文）"), "1. 运行这部分代码（原文）");
});

test("in every Chinese notebook, each claim's generated expectation matches the line claim() prints in Chinese", async () => {
  const { phrase } = await import("proclab/core");
  for (const notebook of sourceNotebooks()) {
    const chinese = JSON.parse(fs.readFileSync(editionNotebook("zh-CN", notebook), "utf8"));
    for (const cell of chinese.cells.filter((c) => c.cell_type === "code")) {
      const patterns = (cell.metadata?.proclab?.expect?.output_includes ?? []).filter((p) => p.startsWith("断言 ✓ "));
      const source = [].concat(cell.source).join("");
      const statements = [...source.matchAll(/\bclaim\(\s*("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]));
      assert.equal(patterns.length, statements.length, `${notebook} cell ${cell.id}: one generated expectation per claim`);
      for (const statement of statements) {
        const line = `断言 ✓ ${phrase(statement, "zh-CN")} — 本次：…`;
        assert.ok(
          patterns.some((p) => new RegExp(p).test(line)),
          `${notebook} cell ${cell.id}: no expectation matches ${line}`,
        );
      }
    }
  }
});
