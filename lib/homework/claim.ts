import { tr } from "../core/lang";
import { phrase } from "../core/phrases";

/**
 * A sentence of the lesson, checked against this run's numbers. `claim(statement, holds,
 * evidence)` prints `claim ✓ <statement> — here: <evidence>`, or `claim ✗ …` when this run
 * contradicts it. The cell's expectation lists `claim ✓ <statement>` (the notebook check
 * insists), and a `claim ✗` fails the notebook run: the day a sentence of the prose stops
 * being true, `npm test` says which. In the Chinese edition the line reads `断言 ✓ <陈述> — 本次：…`,
 * statement and evidence from the phrase catalog (core/phrases.ts), and the edition's
 * expectations are generated to match.
 */
export function claim(statement: string, holds: boolean, evidence: string): void {
  if (typeof statement !== "string" || statement.trim() === "") throw new TypeError("claim: statement must be a non-empty string");
  if (typeof holds !== "boolean") throw new TypeError(`claim: holds must be a boolean, got ${typeof holds} (for "${statement}")`);
  const mark = holds ? "✓" : "✗";
  console.log(tr(`claim ${mark} ${statement} — here: ${evidence}`, `断言 ${mark} ${phrase(statement)} — 本次：${phrase(evidence)}`));
}
