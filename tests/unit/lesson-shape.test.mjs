// Every lesson section reads predict → run → what happened → why → try it (COURSE-STYLE.md), in
// English and in the Chinese edition: a section added or rewritten without one of them fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");
const parts = {
  en: ["**Predict", "**What happened", "**Why", "**Try it"],
  "zh-CN": ["**预测", "**发生了什么", "**为什么", "**动手试试"],
};

/** The numbered sections ("## 2.3 · …") of a notebook, each with the text of its markdown cells. */
function sections(file) {
  const cells = JSON.parse(fs.readFileSync(file, "utf8")).cells.filter((cell) => cell.cell_type === "markdown");
  const found = [];
  for (const cell of cells) {
    const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    for (const line of text.split("\n")) {
      const heading = /^## (\d+\.\d+) /.exec(line);
      if (/^## /.test(line)) found.push({ name: heading?.[1] ?? null, text: "" });
      if (found.length) found[found.length - 1].text += `${line}\n`;
    }
  }
  return found.filter((section) => section.name !== null);
}

for (const [lang, needed] of Object.entries(parts)) {
  const folder = lang === "en" ? path.join(root, "notebooks") : path.join(root, "notebooks", lang);
  const lessons = fs.readdirSync(folder).filter((name) => /^0[1-9].*\.ipynb$/.test(name));
  test(`${lang}: every numbered section of notebooks 01–06 has a prediction, what happened, why, and a try-it`, () => {
    assert.ok(lessons.length >= 6, `lessons found in ${folder}: ${lessons.join(", ")}`);
    const missing = [];
    for (const lesson of lessons) {
      const found = sections(path.join(folder, lesson));
      assert.ok(found.length > 0, `${lesson} has no numbered section`);
      for (const section of found) {
        const absent = needed.filter((part) => !section.text.includes(part));
        if (absent.length) missing.push(`${lesson} ${section.name}: no ${absent.join(", ")}`);
      }
    }
    assert.deepEqual(missing, []);
  });
}
