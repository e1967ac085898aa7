// The library keeps its layers (scripts/lib/layers.mjs): folders import only downward, no file
// cycles, lib/ never reaches into scripts/ or its own barrel. And the checker itself can fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { layerViolations } from "../../scripts/lib/layers.mjs";
import { fileWriter } from "../support/files.mjs";

const root = path.resolve(import.meta.dirname, "..", "..");

test("lib/ imports only downward, has no import cycle, and never imports scripts/ or lib/index", () => {
  assert.deepEqual(layerViolations(path.join(root, "lib")), []);
});

test("the layer check catches an upward import, a cycle, the barrel, a folder with no layer and a path into scripts/", () => {
  const lib = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-layers-"));
  try {
    const write = fileWriter(lib);
    write("index.ts", `export * from "./process";\n`);
    write("core/clock.ts", `import { Process } from "../process/process";\n`); // upward
    write("process/index.ts", `export { Process } from "./process";\n`);
    write("process/process.ts", `import "../index";\nimport { a } from "./cycle";\n`); // barrel, and a cycle
    write("process/cycle.ts", `import { Process } from "./process";\nexport const a = 1;\n`);
    write("tickets/rush.ts", `const tool = path.join(root, "scripts", "x.mjs");\n`);
    write("newthing/x.ts", `export const x = 1;\n`);
    write("process/orphan.ts", `const target = () => require("proclab").Process;\n`); // the barrel, by name
    const problems = layerViolations(lib).join("\n");
    assert.match(problems, /lib\/core\/clock\.ts \(core\) imports lib\/process\/process\.ts \(process\), a layer above it/);
    assert.match(problems, /lib\/process\/process\.ts imports the public barrel/);
    assert.match(problems, /lib\/process\/orphan\.ts imports the public barrel \(proclab\)/);
    assert.match(problems, /import cycle: lib\/process\/(cycle|process)\.ts -> lib\/process\/(process|cycle)\.ts -> lib\/process\/\1\.ts/);
    assert.match(problems, /lib\/tickets\/rush\.ts imports scripts\/ \(by path\), outside lib\//);
    assert.match(problems, /lib\/newthing\/x\.ts: folder newthing has no layer/);
  } finally {
    fs.rmSync(lib, { recursive: true, force: true });
  }
});

test("the public barrel is curated: every name a notebook imports from proclab is there, and it stays small", async () => {
  const api = await import("proclab");
  const names = Object.keys(api).filter((name) => name !== "default" && name !== "module.exports");
  // Every name a committed notebook imports from "proclab" exists in the barrel.
  const used = new Set();
  const notebooks = fs.globSync ? fs.globSync("notebooks/**/*.ipynb", { cwd: root }) : listNotebooks(path.join(root, "notebooks"));
  for (const file of notebooks) {
    for (const cell of JSON.parse(fs.readFileSync(path.resolve(root, file), "utf8")).cells) {
      const source = [].concat(cell.source).join("");
      for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*"proclab"|const\s*\{([^}]*)\}\s*=\s*require\("proclab"\)/g)) {
        for (const name of (match[1] ?? match[2]).split(",")) {
          const bare = name
            .replace(/\btype\b/, "")
            .split(/\s+as\s+|:/)[0]
            .trim();
          if (bare) used.add(bare);
        }
      }
    }
  }
  const runtimeNames = new Set(names);
  const typeOnly = new Set([
    "StrategyName",
    "TrialResult",
    "RushResult",
    "Figure",
    "ProcEvent",
    "HomeworkBuyer",
    "BuyerTicketPlan",
    "Transcript",
    "Lifetime",
  ]);
  const missing = [...used].filter((name) => !runtimeNames.has(name) && !typeOnly.has(name));
  assert.deepEqual(missing, [], "names notebooks import from proclab but the barrel lacks");
  assert.ok(names.length <= 60, `the barrel offers ${names.length} names; keep it to what notebooks and students use`);
});

function listNotebooks(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === ".ipynb_checkpoints" ? [] : listNotebooks(full);
    return entry.name.endsWith(".ipynb") ? [full] : [];
  });
}
