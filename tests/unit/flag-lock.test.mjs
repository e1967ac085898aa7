// "A lock is a flag": checked then set, two processes scheduled into the gap both get it;
// mkdir (test-and-set in one call) lets exactly one in, under the same interleaving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { flagLockRace } from "proclab";

test("a check-then-set flag lets both processes in when both check first; mkdir lets one", { timeout: 60_000 }, async () => {
  const flag = await flagLockRace({ kind: "flag" });
  assert.equal(flag.schedule, "ABABAB" + "AB");
  assert.deepEqual([flag.entered, flag.maxInside, flag.problem], [["A", "B"], 2, null]);
  const mkdir = await flagLockRace({ kind: "mkdir" });
  assert.deepEqual([mkdir.entered, mkdir.maxInside], [["A"], 1]);
  const polite = await flagLockRace({ kind: "flag", schedule: "AABB" });
  assert.deepEqual([polite.entered, polite.maxInside], [["A"], 1], "A checks and sets before B checks: B sees it taken");
});

test("flagLockRace refuses an unknown kind and a schedule with too many steps, before starting anything", async () => {
  await assert.rejects(flagLockRace({ kind: "spin" }), /kind must be "flag" or "mkdir"/);
  await assert.rejects(flagLockRace({ kind: "mkdir", schedule: "AAAA" }), /A is asked for 4 steps, but a process takes at most 3/);
});
