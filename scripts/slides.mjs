#!/usr/bin/env node
// `npm run slides [-- --lang zh-CN]`: lecture slides generated from the notebooks, one deck
// per notebook (build/slides/<edition>/<notebook>.slides.html), one slide per section: its
// heading, the Predict question and the article's words, the Why, the claims and the
// exercises (scripts/py/slides.py). When `npm run notebooks` (or `npm test`) has executed the
// notebooks, each claim shows the line this run printed, with its numbers.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { setup } from "./setup.mjs";
import { venvBin } from "./lib/jupyter.mjs";
import { buildDir, notebooksDir, projectRoot } from "./lib/project.mjs";

/** Writes the decks of one edition ("en" or "zh-CN"); returns { status, decks: [{ file, slides }] }. */
export function makeSlides(lang = "en", outDir = path.join(buildDir, "slides", lang)) {
  const folder = lang === "en" ? notebooksDir : path.join(notebooksDir, lang);
  const notebooks = fs
    .readdirSync(folder)
    .filter((name) => name.endsWith(".ipynb"))
    .sort()
    .map((name) => path.join(folder, name));
  const executed = path.join(buildDir, "notebooks", ...(lang === "en" ? [] : [lang]));
  const args = [path.join(projectRoot, "scripts", "py", "slides.py"), outDir, "--executed", executed];
  if (lang !== "en") args.push("--catalog", path.join(projectRoot, "lib", "core", `phrases-${lang}.json`));
  const result = spawnSync(venvBin("python"), [...args, ...notebooks], { encoding: "utf8" });
  if (result.status !== 0) process.stderr.write(result.stderr);
  const decks = (result.stdout ?? "")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [file, slides] = line.split(" ");
      return { file, slides: Number(slides) };
    });
  return { status: result.status ?? 1, decks };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { lang: { type: "string", default: "en" } } });
  if (!["en", "zh-CN"].includes(values.lang)) {
    console.error(`proclab slides: --lang must be en or zh-CN, got ${JSON.stringify(values.lang)}`);
    process.exit(2);
  }
  setup();
  const { status, decks } = makeSlides(values.lang);
  for (const deck of decks) console.log(`proclab: ${path.relative(projectRoot, deck.file)}  ${deck.slides} slides`);
  process.exit(status);
}
