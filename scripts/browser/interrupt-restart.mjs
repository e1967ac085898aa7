// A teacher stops a long experiment: Kernel › Interrupt Kernel mid-cell, Run All again,
// Kernel › Restart Kernel… mid-cell, Run All again to the end. After each stop no child
// process of the experiment may survive — proclab's children nor notebook 06's database
// servers — and the notebook must run again.
import * as fs from "node:fs";
import * as path from "node:path";
import { interruptKernel, kernelState, openNotebook, readCells, restartKernel, runAll } from "./lab-page.mjs";
import { watchExecuteReplies } from "./kernel-replies.mjs";
import { runAllAndWatch } from "./run-all.mjs";
import { describe, descendantsOf, listProcesses } from "./processes.mjs";
import { expectedCells, judgeRun } from "./verdict.mjs";

const CHILDREN = 3;
const SECONDS = 6; // long enough to stop it midway, short enough to run to the end once
// tslab answers "abort" to every execute request that reaches it within 200 ms after a cell
// failed, an interrupted one included (TaskQueue.reset(200) in tslab/dist/jupyter.js), and
// JupyterLab's Run All then runs nothing. A teacher reads the traceback first; the test
// likewise waits for the kernel to be idle and then this long before clicking Run All again.
const AFTER_INTERRUPT_MS = 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The fixture: one long cell whose proclab children sleep while it prints progress. */
export function writeFixture(file) {
  const code = (source, metadata = {}) => ({
    cell_type: "code",
    execution_count: null,
    id: `c${source.length}`,
    metadata,
    outputs: [],
    source,
  });
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" } },
    cells: [
      code(
        `import { Process, sleep } from "proclab";\nimport { startServers, stopServers } from "proclab/distributed";\nconst SECONDS = ${SECONDS};`,
      ),
      code(
        [
          // Notebook 06's database servers too: they must go with an interrupt or a restart like any child.
          "const servers = await startServers({ postgres: true, redis: true, etcd: 3 });",
          `const children = Array.from({ length: ${CHILDREN} }, (_, i) => new Process({ name: \`sleeper-\${i + 1}\`, target: async (s: number) => { await new Promise((r) => setTimeout(r, s * 1000)); }, args: [SECONDS] }));`,
          "for (const child of children) child.start();",
          'console.log(`started ${children.length} children and PostgreSQL, Redis, etcd (pids ${servers.postgres!.pid}, ${servers.redis!.pid}, ${servers.etcd!.members.map((m) => m.pid).join(", ")})`);',
          "for (let s = 1; s <= SECONDS; s++) { await sleep(1000); console.log(`${s} s`); }",
          "for (const child of children) await child.join();",
          "await stopServers();",
          'console.log("all children done");',
        ].join("\n"),
        { proclab: { expect: { progress: true } } },
      ),
    ],
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1) + "\n");
}

/** The tslab kernels of this server and the processes the notebook started (even re-parented ones). */
function experiment(lab) {
  const all = listProcesses();
  const marked = lab.processes();
  const markedPids = new Set(marked.map((p) => p.pid));
  const kernels = marked.filter((p) => /tslab\S* kernel/.test(p.cmdline));
  const inKernels = new Set(kernels.flatMap((k) => descendantsOf(k.pid, all)).map((p) => p.pid));
  const orphans = marked.filter((p) => p.pid !== lab.pid && !markedPids.has(p.ppid) && !kernels.includes(p));
  return { kernels: kernels.map((k) => k.pid), children: [...marked.filter((p) => inKernels.has(p.pid)), ...orphans] };
}

async function until(what, condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Waits until the long cell runs with its children alive and printing. An "abort" from the
 * kernel for this Run All (see AFTER_INTERRUPT_MS) fails at once, saying so.
 */
async function untilExperimentRuns(page, lab, replies, mark) {
  const what = `the long cell to start its ${CHILDREN} children and print progress`;
  try {
    await until(
      what,
      async () => {
        if (replies.since(mark).includes("abort")) throw new Error("the kernel aborted Run All's cells instead of running them");
        const cells = await readCells(page, { text: false });
        return cells[1]?.prompt === "*" && cells[1].outputs.length > 0 && experiment(lab).children.length >= CHILDREN;
      },
      60_000,
    );
  } catch (error) {
    const answered = replies.since(mark);
    throw new Error(
      `${error.message} (kernel replies to this Run All: ${answered.length ? answered.join(", ") : "none"}; prompts [${(await readCells(page)).map((c) => c.prompt).join(", ")}])`,
    );
  }
}

/** Waits until the status bar shows the kernel idle (not busy, starting or restarting). */
const untilKernelIdle = (page, what) => until(what, async () => (await kernelState(page)).status === "idle", 60_000);

/** Waits until no cell is queued or running. */
const untilStopped = (page, what) =>
  until(what, async () => !(await readCells(page, { text: false })).some((cell) => cell.prompt === "*"), 30_000);

/** Problem text if children of the experiment outlive a stop (waits a bounded time for them to go). */
async function survivors(lab, after) {
  try {
    await until(`children to end after ${after}`, () => experiment(lab).children.length === 0, 15_000);
    return [];
  } catch {
    return [`after ${after}, children of the experiment survive:\n${describe(experiment(lab).children)}`];
  }
}

/** Runs the interrupt/restart scenario; returns { steps: [{ step, seconds }], problems, screenshot }. */
export async function checkInterruptRestart({ context, lab, rootDir, fixtureFile, screenshotFile }) {
  writeFixture(fixtureFile);
  const expected = expectedCells(JSON.parse(fs.readFileSync(fixtureFile, "utf8")));
  const result = { notebook: path.basename(fixtureFile), steps: [], problems: [], screenshot: screenshotFile };
  const timed = async (step, action) => {
    const started = Date.now();
    await action();
    result.steps.push({ step, seconds: (Date.now() - started) / 1000 });
  };
  const page = await context.newPage();
  page.on("pageerror", (error) => {
    if (!/No active debugger session/.test(error.message)) result.problems.push(`page error: ${error.message.split("\n")[0]}`);
  });
  const replies = watchExecuteReplies(page);
  /** Run › Run All Cells; resolves once the long cell runs with its children. */
  const runAllUntilExperimentRuns = async () => {
    const mark = replies.mark();
    await runAll(page);
    await untilExperimentRuns(page, lab, replies, mark);
  };
  try {
    await openNotebook(page, lab, path.relative(rootDir, fixtureFile).split(path.sep).join("/"));
    await timed("Run All until children run", runAllUntilExperimentRuns);
    await timed("Interrupt Kernel until idle, children gone", async () => {
      await interruptKernel(page);
      await untilStopped(page, "the interrupted cell to stop");
      await untilKernelIdle(page, "the kernel to be idle after Interrupt Kernel");
      result.problems.push(...(await survivors(lab, "Interrupt Kernel")));
    });
    await sleep(AFTER_INTERRUPT_MS);
    await timed("Run All again until children run", runAllUntilExperimentRuns);
    const before = experiment(lab).kernels;
    await timed("Restart Kernel until a new kernel, children gone", async () => {
      await restartKernel(page);
      await until(
        "a new kernel process after Restart Kernel",
        () => {
          const now = experiment(lab).kernels;
          return now.length === 1 && !before.includes(now[0]);
        },
        60_000,
      );
      await untilStopped(page, "the cells to stop after the restart");
      result.problems.push(...(await survivors(lab, "Restart Kernel")));
    });
    await timed("Run All to the end", async () => {
      const { progressSeen } = await runAllAndWatch(page, expected, 90_000);
      const cells = await readCells(page);
      result.problems.push(...judgeRun(expected, cells, progressSeen));
      if (!cells[1]?.outputs.some((o) => o.text.includes("all children done")))
        result.problems.push('the long cell did not print "all children done" on the last run');
      result.problems.push(...(await survivors(lab, "the last Run All")));
    });
  } catch (error) {
    result.problems.push(error.message);
  } finally {
    fs.mkdirSync(path.dirname(screenshotFile), { recursive: true });
    await page.screenshot({ path: screenshotFile }).catch((error) => result.problems.push(`screenshot failed: ${error.message}`));
    await page.close();
  }
  return result;
}
