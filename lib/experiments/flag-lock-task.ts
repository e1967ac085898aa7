/**
 * The module target of the flag-lock experiment (flag-lock.ts): one process takes a lock made
 * of a flag, enters its critical section, leaves it. Every step is a scheduled step, so the
 * parent chooses the interleaving.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { joinSchedule } from "../schedule/step";
import type { StepLink } from "../schedule/protocol";

export type FlagLockKind = "flag" | "mkdir";

/**
 * `flag`: read `flag.json`; if it says unlocked, write locked (two steps: check, set).
 * `mkdir`: make `flag.lock/` — made, or it already exists — in one step (test-and-set).
 * A process that finds the lock taken gives up (a real lock would wait and try again).
 */
export async function takeFlagLock(kind: FlagLockKind, dir: string, link: StepLink): Promise<void> {
  const steps = await joinSchedule(link);
  const log = (line: string): void => fs.appendFileSync(path.join(dir, "inside.log"), `${line} ${link.process}\n`);
  try {
    let got = false;
    if (kind === "flag") {
      const flag = path.join(dir, "flag.json");
      await steps.step("check");
      const { locked } = JSON.parse(fs.readFileSync(flag, "utf8")) as { locked: boolean };
      if (!locked) {
        await steps.step("set");
        fs.writeFileSync(flag, JSON.stringify({ locked: true }));
        got = true;
      }
    } else {
      await steps.step("test-and-set");
      try {
        fs.mkdirSync(path.join(dir, "flag.lock"));
        got = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    if (!got) {
      log("gave-up");
      return;
    }
    await steps.step("enter");
    log("enter");
    await steps.step("leave");
    log("leave");
  } finally {
    steps.end();
  }
}
