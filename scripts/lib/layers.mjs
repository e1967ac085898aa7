// The library's layers, lowest first: a folder of lib/ may import from its own layer and the
// ones below, never above. Files import no cycle, lib/ never reaches into scripts/ (tooling)
// or its own public barrel (lib/index.ts). ARCHITECTURE.md draws the same picture.
import * as fs from "node:fs";
import * as path from "node:path";

export const layers = [
  "core",
  "process",
  "servers",
  "lock",
  "python",
  "schedule",
  "tickets",
  "experiments",
  "distributed",
  "plots",
  "homework",
  "grading",
  "cli",
  "(entry)",
];

/** The layer of a file under lib/: its folder; the entry points lib/index.ts and lib/cli.ts sit on top. */
function layerOf(file) {
  const [first, ...rest] = file.split("/");
  return rest.length === 0 ? "(entry)" : first;
}

// `import … from "x"`, `export … from "x"`, `import "x"`, `require("x")`, `import("x")`.
const importPattern =
  /(?:^|[^\w.])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|[^\w.])import\s*["']([^"']+)["']|(?:require|import)\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full, base);
    return entry.name.endsWith(".ts") ? [path.relative(base, full).split(path.sep).join("/")] : [];
  });
}

/** The relative imports of every lib/ file: { file: [{ spec, target }] } (target: lib-relative, or null if outside lib/). */
export function libImports(libDir) {
  const files = new Set(sourceFiles(libDir));
  const graph = new Map();
  for (const file of files) {
    const text = fs.readFileSync(path.join(libDir, file), "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    const imports = [];
    for (const match of text.matchAll(importPattern)) {
      const spec = match[1] ?? match[2] ?? match[3];
      // The package by name (code that runs in a child, e.g. a target's require("proclab/process")).
      if (spec === "proclab" || spec.startsWith("proclab/")) {
        imports.push({ spec, target: spec === "proclab" ? "index.ts" : `${spec.slice("proclab/".length)}/index.ts` });
        continue;
      }
      if (!spec.startsWith(".")) continue;
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const target = [`${resolved}.ts`, `${resolved}/index.ts`, resolved].find((candidate) => files.has(candidate)) ?? null;
      imports.push({ spec, target: target ?? (resolved.startsWith("..") ? null : resolved) });
    }
    // Paths built at run time (path.join(root, "scripts", …)) escape the import scan: name them too.
    if (/["'`]scripts["'`/]/.test(text)) imports.push({ spec: "scripts/ (by path)", target: null });
    graph.set(file, imports);
  }
  return graph;
}

/** Every broken rule, one line each; [] when the library keeps its layers. */
export function layerViolations(libDir) {
  const graph = libImports(libDir);
  const problems = [];
  for (const [file, imports] of graph) {
    if (!layers.includes(layerOf(file))) {
      problems.push(`lib/${file}: folder ${layerOf(file)} has no layer (add it to scripts/lib/layers.mjs and ARCHITECTURE.md)`);
      continue;
    }
    for (const { spec, target } of imports) {
      if (target === null) {
        problems.push(`lib/${file} imports ${spec}, outside lib/ (lib/ stands alone: tooling may import lib, never the reverse)`);
        continue;
      }
      if (target === "index.ts" && file !== "index.ts") {
        problems.push(`lib/${file} imports the public barrel (${spec}); import the module that defines what you need`);
        continue;
      }
      const from = layers.indexOf(layerOf(file));
      const to = layers.indexOf(layerOf(target));
      if (to > from) problems.push(`lib/${file} (${layers[from]}) imports lib/${target} (${layers[to]}), a layer above it`);
    }
  }
  problems.push(...cycles(graph).map((cycle) => `import cycle: ${cycle.map((f) => `lib/${f}`).join(" -> ")}`));
  return problems;
}

/** Cycles among files (each reported once, from its first file in sorted order). */
function cycles(graph) {
  const found = [];
  const state = new Map(); // file -> "open" | "done"
  const stack = [];
  const visit = (file) => {
    state.set(file, "open");
    stack.push(file);
    for (const { target } of graph.get(file) ?? []) {
      if (!target || !graph.has(target)) continue;
      if (state.get(target) === "open") found.push([...stack.slice(stack.indexOf(target)), target]);
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}
