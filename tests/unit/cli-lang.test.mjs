// The command line speaks the learner's language: PROCLAB_LANG=zh-CN gives Chinese errors,
// PROCLAB_LANG=en the English ones, with the same exit status (2) and nothing on stdout.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "proclab/core";

const cli = path.join(projectRoot, "dist", "cli.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-cli-lang-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in `lang`, from the project folder (not a zh-CN one), without a locale that could decide for it. */
const proclab = (lang, ...args) => {
  const env = { ...process.env, PROCLAB_LANG: lang };
  delete env.LC_ALL;
  delete env.LC_MESSAGES;
  delete env.LANG;
  return spawnSync(process.execPath, [cli, ...args], { cwd: projectRoot, env, encoding: "utf8", timeout: 60_000 });
};

const cases = [
  {
    args: ["rush", "--buyers", "0"],
    en: /^proclab rush: --buyers: must be an integer from 1 to 64, got 0\n\(proclab rush --help lists the flags\)\n$/,
    zh: /^proclab rush: --buyers：应为 1 到 64 之间的整数，实际为 0\n（proclab rush --help 会列出所有选项）\n$/,
  },
  {
    args: ["rush", "--schedule", "AXB", "--buyers", "2"],
    en: /^proclab rush: --schedule: schedule "AXB": "X" at position 2 names no process; with 2 processes the letters are A, B\n/,
    zh: /^proclab rush: --schedule：调度 "AXB"：第 2 个字符 "X" 不对应任何进程；2 个进程对应的字母是 A, B\n/,
  },
];

const db = path.join(dir, "never.json");
for (const { args, en, zh } of cases) {
  test(`${args.join(" ")} in Chinese (PROCLAB_LANG=zh-CN): exit 2, the Chinese message`, () => {
    const run = proclab("zh-CN", ...args, "--db", db);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, zh);
    assert.equal(run.stdout, "");
    assert.equal(fs.existsSync(db), false, "db.json untouched");
  });
  test(`${args.join(" ")} in English (PROCLAB_LANG=en): exit 2, the English message`, () => {
    const run = proclab("en", ...args, "--db", db);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, en);
    assert.equal(run.stdout, "");
    assert.equal(fs.existsSync(db), false, "db.json untouched");
  });
}
