#!/usr/bin/env node
// The course's editions. The English notebooks under notebooks/ are the one source of truth for
// code: an edition (notebooks/zh-CN/) is generated from them, its markdown cells taken from a
// translation file (i18n/zh-CN/<notebook>.json), its code cells — and their expectations —
// copied unchanged. A fix to a code cell therefore lands in every edition when they are
// regenerated, and a test fails while they are not.
//
// Each translation file keeps, per markdown cell id, the English text it translates (`en`) and
// the translation (`zh`): when the English text changes, the check names the stale cell.
//
// The English a code cell hands to the library to show — claim(statement, holds, evidence),
// check(name, …), expect(condition, message) — is translated in the library's phrase catalog
// (lib/core/phrases-<edition>.json, read by lib/core/phrases.ts at run time), keyed by that
// English with `{}` where a template literal interpolates. The check fails while a phrase of a
// notebook has no translation, or the catalog keeps one no notebook uses. An edition's claim
// expectations are generated from the English ones (`claim ✓ <statement>` → `断言 ✓ <陈述>`).
//
// The documents around the course (README, teacher/, docs/) are translated whole: each
// translation's first line names its English source and that source's hash
// (`<!-- translated from teacher/notes.md sha256:0123456789ab -->`), so the check names a
// translation whose English changed since, and an English document with no translation.
//   node scripts/editions.mjs extract   add new/changed English cells to the translation files,
//                                       and new phrases (empty) to the phrase catalog
//   node scripts/editions.mjs build     write notebooks/zh-CN/ from the English notebooks and translations
//   node scripts/editions.mjs check     exit 1 naming every missing or stale translation, and every
//                                       edition notebook that differs from what build would write
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import ts from "typescript";
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

/** Which argument of which call a learner sees shown: claim's statement and evidence, check's name, expect's message (and any figure's title and caption, below). */
const shownArguments = { claim: [0, 2], check: [0], expect: [1] };

/** A literal argument as a catalog key (template literals: `{}` for each interpolation); null when not a literal. */
function phraseKey(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => `{}${span.literal.text}`).join("");
  return null;
}

/** The phrases a code cell shows through claim/check/expect, in order. */
export function cellPhrases(source) {
  const file = ts.createSourceFile("cell.ts", source, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && Object.hasOwn(shownArguments, node.expression.text))
      for (const index of shownArguments[node.expression.text]) {
        const key = node.arguments[index] && phraseKey(node.arguments[index]);
        if (key && !found.includes(key)) found.push(key);
      }
    // A figure's title and caption given in the cell: timelineFigure(trial, { title: `…`, caption: "…" }).
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && /Figure$/.test(node.expression.text))
      for (const argument of node.arguments.filter(ts.isObjectLiteralExpression))
        for (const property of argument.properties)
          if (ts.isPropertyAssignment(property) && ["title", "caption"].includes(property.name.getText())) {
            const key = phraseKey(property.initializer);
            if (key && !found.includes(key)) found.push(key);
          }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Every phrase of the English notebooks, in notebook order. */
export function notebookPhrases() {
  const all = [];
  for (const notebook of sourceNotebooks())
    for (const cell of readJson(path.join(notebooksDir, notebook)).cells.filter((c) => c.cell_type === "code"))
      for (const key of cellPhrases(text(cell))) if (!all.includes(key)) all.push(key);
  return all;
}

export const catalogFile = (edition) => path.join(projectRoot, "lib", "core", `phrases-${edition}.json`);
const loadCatalog = (edition) => (fs.existsSync(catalogFile(edition)) ? readJson(catalogFile(edition)) : {});

function catalogProblems(edition) {
  const catalog = loadCatalog(edition);
  const used = notebookPhrases();
  const where = path.relative(projectRoot, catalogFile(edition));
  return [
    ...used
      .filter((key) => !catalog[key])
      .map((key) => `${where}: no translation of ${JSON.stringify(key)} (node scripts/editions.mjs extract, then translate it)`),
    ...Object.keys(catalog)
      .filter((key) => !used.includes(key))
      .map((key) => `${where}: ${JSON.stringify(key)} is in no notebook any more (remove it, or translate the text that replaced it)`),
  ];
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A code cell's expectations for the edition: each `claim ✓ <statement>` pattern becomes the
 * line the edition prints (`断言 ✓ <translated statement>`); every other pattern is kept.
 */
function editionExpectations(cell, catalog) {
  const patterns = cell.metadata?.proclab?.expect?.output_includes;
  if (!patterns) return cell;
  const statements = cellPhrases(text(cell));
  const translatedPattern = (pattern) => {
    if (!pattern.includes("claim ✓ ")) return pattern;
    const statement = statements.find((s) => new RegExp(pattern).test(`claim ✓ ${s} — here:`));
    return statement && catalog[statement] ? escapeRegExp(`断言 ✓ ${catalog[statement]}`) : pattern;
  };
  const expect = { ...cell.metadata.proclab.expect, output_includes: patterns.map(translatedPattern) };
  return { ...cell, metadata: { ...cell.metadata, proclab: { ...cell.metadata.proclab, expect } } };
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
      cells[cell.id] = {
        en: text(cell),
        zh: joinWideLines(old?.zh ?? ""),
        ...(old?.zh && (old.stale || old.en !== text(cell)) ? { stale: true } : {}),
      };
    }
    writeJson(translationFile(edition, notebook), { notebook, cells });
  }
  const catalog = loadCatalog(edition);
  for (const key of notebookPhrases()) catalog[key] ??= "";
  fs.writeFileSync(catalogFile(edition), `${JSON.stringify(catalog, null, 2)}\n`); // as prettier writes it
}

/** Chinese characters and full-width punctuation: a line break between two of them is a space on the page. */
const WIDE = "[\\p{Script=Han}\\u3000-\\u303f\\uff00-\\uffef]";
/** A line's last text is Chinese (emphasis or code marks may close after it). */
const endsWide = new RegExp(`${WIDE}[*_\`]*$`, "u");
/** A line's first text is Chinese (not an emphasis: in a quote, that is the article's English gloss). */
const startsWide = new RegExp(`^${WIDE}`, "u");
/** Lines that are not paragraph text: headings, tables, HTML, list items, quote markers. */
const notText = /^(#{1,6}\s|\||<|[*+-]\s|\d+[.)]\s)/;
const fence = /^\s*(`{3,}|~{3,})/;

/**
 * `markdown` with each line break between two Chinese characters removed, where Markdown shows
 * it as a space (Chinese text has none): inside a paragraph, a list item or a translated quote.
 * Never in code blocks, headings, tables or HTML, never across a blank line or a hard line break
 * (a line ending in `\\`: how a translation keeps the article's own lines apart).
 */
export function joinWideLines(markdown) {
  const out = [];
  let fenced = null;
  for (const line of markdown.split("\n")) {
    const opening = fence.exec(line);
    if (fenced) {
      if (opening && opening[1][0] === fenced[0] && opening[1].length >= fenced.length) fenced = null;
      out.push(line);
      continue;
    }
    if (opening) {
      fenced = opening[1];
      out.push(line);
      continue;
    }
    const previous = out.at(-1);
    const quoted = previous?.startsWith(">") && line.startsWith(">");
    const rest = quoted ? line.replace(/^>\s?/, "") : line.trimStart();
    const joinable =
      previous !== undefined &&
      previous.trim() !== "" &&
      !/^(#{1,6}\s|\||<)/.test(previous) &&
      !(previous.startsWith(">") !== line.startsWith(">")) &&
      !notText.test(rest) &&
      !/(\\| {2})$/.test(previous) && // a hard line break, as between the article's own lines
      endsWide.test(previous) &&
      startsWide.test(rest);
    if (joinable) out[out.length - 1] += rest;
    else out.push(line);
  }
  return out.join("\n");
}

/** What the edition of `notebook` must be, and the translation problems met on the way. */
export function generate(edition, notebook) {
  const english = readJson(path.join(notebooksDir, notebook));
  const translation = loadTranslation(edition, notebook);
  const catalog = loadCatalog(edition);
  const problems = [];
  const cells = english.cells.map((cell) => {
    // Code: exactly the English cell; its expectations, but for the claim lines the edition prints.
    if (cell.cell_type !== "markdown") return cell.cell_type === "code" ? editionExpectations(cell, catalog) : cell;
    const entry = translation.cells[cell.id];
    if (!entry?.zh) {
      problems.push(`${notebook} cell ${cell.id}: no ${edition} translation (node scripts/editions.mjs extract, then translate it)`);
      return cell;
    }
    if (joinWideLines(entry.zh) !== entry.zh)
      problems.push(
        `${notebook} cell ${cell.id}: a line break between two Chinese characters shows as a space (join the lines; node scripts/editions.mjs extract does it)`,
      );
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

/** The English documents an edition translates, and where each translation lives. */
export function translatedDocuments(edition, root = projectRoot) {
  const teacher = fs
    .readdirSync(path.join(root, "teacher"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => [`teacher/${name}`, `teacher/${edition}/${name}`]);
  return [["README.md", `README.${edition}.md`], ["docs/STUDENT.md", `docs/${edition}/STUDENT.md`], ...teacher];
}

const shortHash = (file) => createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 12);
const SOURCE_LINE = /^<!-- translated from (\S+) sha256:([0-9a-f]{12}) -->\n/;

export function documentProblems(edition, root = projectRoot) {
  const problems = [];
  for (const [english, translation] of translatedDocuments(edition, root)) {
    const file = path.join(root, translation);
    if (!fs.existsSync(file)) {
      problems.push(`${english} has no ${edition} translation (${translation})`);
      continue;
    }
    const text = fs.readFileSync(file, "utf8");
    if (joinWideLines(text) !== text)
      problems.push(`${translation}: a line break between two Chinese characters shows as a space (join the lines)`);
    const source = SOURCE_LINE.exec(text);
    if (!source || source[1] !== english)
      problems.push(`${translation} must begin with <!-- translated from ${english} sha256:<first 12 hex of its sha256> -->`);
    else if (source[2] !== shortHash(path.join(root, english)))
      problems.push(
        `${translation}: ${english} changed since it was translated (bring the translation up to date, then put sha256:${shortHash(path.join(root, english))} in its first line)`,
      );
  }
  return problems;
}

/** Every way an edition has drifted from the English notebooks and documents. */
export function check(edition) {
  const problems = [...catalogProblems(edition), ...documentProblems(edition)];
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
  if (command === "check" && problems.length === 0)
    console.log(`editions: ${editions.join(", ")} in step with the English notebooks and documents`);
  process.exit(problems.length ? 1 : 0);
}
