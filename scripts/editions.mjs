#!/usr/bin/env node
// The course's editions. The English notebooks under notebooks/ are the one source of truth for
// code: an edition (notebooks/zh-CN/) is generated from them, its markdown cells taken from a
// translation file (i18n/zh-CN/<notebook>.json), its code cells — and their expectations —
// copied unchanged. A fix to a code cell therefore lands in every edition when they are
// regenerated, and a test fails while they are not.
//
// Each translation file keeps, per markdown cell id, the English text it translates (`en`) and
// the translation (`zh`): when the English text changes, the check names the stale cell.
//   node scripts/editions.mjs extract   add new/changed English cells to the translation files
//   node scripts/editions.mjs build     write notebooks/zh-CN/ from the English notebooks and translations
//   node scripts/editions.mjs check     exit 1 naming every missing or stale translation, and every
//                                       edition notebook that differs from what build would write
import * as fs from "node:fs";
import * as path from "node:path";
import { notebooksDir, projectRoot } from "./lib/project.mjs";

export const editions = ["zh-CN"];
const i18nDir = path.join(projectRoot, "i18n");

/** English notebooks (homework included), relative to notebooks/: never an edition's own folder. */
export function sourceNotebooks(dir = notebooksDir, base = notebooksDir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory())
        return editions.includes(entry.name) || entry.name === ".ipynb_checkpoints" ? [] : sourceNotebooks(full, base);
      return entry.name.endsWith(".ipynb") ? [path.relative(base, full)] : [];
    })
    .sort();
}

const text = (cell) => [].concat(cell.source).join("");
const asLines = (source) => {
  const lines = source.split("\n");
  return [...lines.slice(0, -1).map((line) => `${line}\n`), lines[lines.length - 1]].filter(
    (line, i, all) => line !== "" || i < all.length - 1,
  );
};
const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
const writeJson = (file, value) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);
};
/**
 * Notebooks whose translation has not been written yet, declared in i18n/<edition>/PENDING (one
 * per line): the edition leaves them out, and says so. A notebook missing from both the edition
 * and PENDING is a failure, so none can be forgotten.
 */
export function pendingNotebooks(edition) {
  const file = path.join(i18nDir, edition, "PENDING");
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .split("\n")
        .map((line) => line.replace(/#.*/, "").trim())
        .filter(Boolean)
    : [];
}
const translated = (edition) => sourceNotebooks().filter((n) => !pendingNotebooks(edition).includes(n));

export const translationFile = (edition, notebook) => path.join(i18nDir, edition, notebook.replace(/\.ipynb$/, ".json"));
export const editionNotebook = (edition, notebook) => path.join(notebooksDir, edition, notebook);

function loadTranslation(edition, notebook) {
  const file = translationFile(edition, notebook);
  return fs.existsSync(file) ? readJson(file) : { notebook, cells: {} };
}

/** Adds every English markdown cell that has no translation, or whose English text changed (translation kept, marked by `en`). */
export function extract(edition) {
  for (const notebook of sourceNotebooks()) {
    const english = readJson(path.join(notebooksDir, notebook));
    const translation = loadTranslation(edition, notebook);
    const cells = {};
    for (const cell of english.cells.filter((c) => c.cell_type === "markdown")) {
      const old = translation.cells[cell.id];
      // Stale: a translation exists, made for other English text. (An empty one is simply missing.)
      cells[cell.id] = { en: text(cell), zh: old?.zh ?? "", ...(old?.zh && (old.stale || old.en !== text(cell)) ? { stale: true } : {}) };
    }
    writeJson(translationFile(edition, notebook), { notebook, cells });
  }
}

/** What the edition of `notebook` must be, and the translation problems met on the way. */
export function generate(edition, notebook) {
  const english = readJson(path.join(notebooksDir, notebook));
  const translation = loadTranslation(edition, notebook);
  const problems = [];
  const cells = english.cells.map((cell) => {
    if (cell.cell_type !== "markdown") return cell; // code: exactly the English cell, expectations included
    const entry = translation.cells[cell.id];
    if (!entry?.zh) {
      problems.push(`${notebook} cell ${cell.id}: no ${edition} translation (node scripts/editions.mjs extract, then translate it)`);
      return cell;
    }
    if (entry.en !== text(cell) || entry.stale)
      problems.push(
        `${notebook} cell ${cell.id}: the English text changed since it was translated (update "zh", then "en", in ${path.relative(projectRoot, translationFile(edition, notebook))})`,
      );
    return { ...cell, source: asLines(entry.zh) };
  });
  const known = new Set(english.cells.map((c) => c.id));
  for (const id of Object.keys(translation.cells))
    if (!known.has(id)) problems.push(`${notebook}: translation of cell ${id}, which the English notebook no longer has`);
  const notebookOut = { ...english, cells, metadata: { ...english.metadata, proclab: { ...english.metadata.proclab, edition } } };
  return { notebook: notebookOut, problems };
}

const serialize = (notebook) => `${JSON.stringify(notebook, null, 1)}\n`;

export function build(edition) {
  const problems = [];
  for (const notebook of translated(edition)) {
    const result = generate(edition, notebook);
    problems.push(...result.problems);
    const file = editionNotebook(edition, notebook);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, serialize(result.notebook));
  }
  return problems;
}

/** The cells of an edition notebook that differ from what it must be (source, kind or metadata), as "code cell <id>". */
export function differingCells(committed, expected) {
  const length = Math.max(committed.cells.length, expected.cells.length);
  const differing = [];
  for (let i = 0; i < length; i++) {
    const [a, b] = [committed.cells[i], expected.cells[i]];
    if (!a || !b) differing.push(`cell ${(a ?? b).id} (${a ? "extra" : "missing"})`);
    else if (
      a.id !== b.id ||
      a.cell_type !== b.cell_type ||
      text(a) !== text(b) ||
      JSON.stringify(a.metadata) !== JSON.stringify(b.metadata)
    )
      differing.push(`${a.cell_type} cell ${a.id}`);
  }
  return differing;
}

/** Every way an edition has drifted from the English notebooks. */
export function check(edition) {
  const problems = [];
  const expected = new Set(translated(edition).map((n) => editionNotebook(edition, n)));
  for (const pending of pendingNotebooks(edition))
    if (!sourceNotebooks().includes(pending)) problems.push(`i18n/${edition}/PENDING names ${pending}, which is not an English notebook`);
  for (const notebook of translated(edition)) {
    const result = generate(edition, notebook);
    problems.push(...result.problems);
    const file = editionNotebook(edition, notebook);
    if (!fs.existsSync(file)) problems.push(`${path.relative(projectRoot, file)} is missing (node scripts/editions.mjs build)`);
    else if (fs.readFileSync(file, "utf8") !== serialize(result.notebook)) {
      const differing = differingCells(readJson(file), result.notebook);
      problems.push(
        `${path.relative(projectRoot, file)} differs from the English notebook and its translation${differing.length ? ` (${differing.slice(0, 5).join(", ")})` : ""}: edit the English notebook or i18n/, then node scripts/editions.mjs build`,
      );
    }
  }
  const folder = path.join(notebooksDir, edition);
  if (fs.existsSync(folder))
    for (const extra of sourceNotebooks(folder, folder).map((n) => editionNotebook(edition, n)))
      if (!expected.has(extra)) problems.push(`${path.relative(projectRoot, extra)} has no English notebook`);
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command] = process.argv.slice(2);
  let problems = [];
  for (const edition of editions) {
    if (command === "extract") extract(edition);
    else if (command === "build") problems.push(...build(edition));
    else if (command === "check") problems.push(...check(edition));
    else {
      console.error("usage: node scripts/editions.mjs extract | build | check");
      process.exit(2);
    }
  }
  for (const problem of problems) console.error(`editions: ${problem}`);
  for (const edition of editions)
    for (const pending of pendingNotebooks(edition))
      console.log(`editions: ${edition}: ${pending} is not translated yet (i18n/${edition}/PENDING)`);
  if (command === "check" && problems.length === 0) console.log(`editions: ${editions.join(", ")} in step with the English notebooks`);
  process.exit(problems.length ? 1 : 0);
}
