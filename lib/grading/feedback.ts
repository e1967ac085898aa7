/** The score table for terminals, and the Markdown feedback file (names and reasons only: never test code). */
import { language, type Language } from "../core/lang";
import { phrase } from "../core/phrases";
import type { GradeReport } from "./score";

/** The feedback's words in the student's language (the assignment's edition). */
const words = {
  en: {
    feedback: "Feedback",
    score: "Score",
    hidden: "hidden test",
    test: "Test",
    points: "Points",
    why: "Why not full marks",
    notes: "Notes",
  },
  "zh-CN": { feedback: "反馈", score: "得分", hidden: "隐藏测试", test: "测试", points: "分数", why: "为什么没有满分", notes: "说明" },
} as const;

export function scoreTable(report: GradeReport): string {
  const rows = report.tests.map((t) => [`${t.points}/${t.maxPoints}`, t.passed ? "✓" : "✗", plainText(t.name), plainText(t.message)]);
  const width = Math.max(6, ...rows.map((r) => r[0].length));
  const name = Math.max(4, ...rows.map((r) => r[2].length));
  const lines = rows.map(([points, mark, test, message]) =>
    `${points.padStart(width)}  ${mark}  ${test.padEnd(name)}  ${message}`.trimEnd(),
  );
  return [
    `${"points".padStart(width)}     ${"test".padEnd(name)}  reason`,
    ...lines,
    `${`${report.score}/${report.maxScore}`.padStart(width)}     total`,
  ].join("\n");
}

/** Text a submission wrote (error messages): no control characters (no terminal escapes, no \\r). */
export function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
}

/** A Markdown table cell that shows its text as text: Markdown and HTML characters escaped. */
const cellText = (text: string): string => plainText(text).replace(/[\\`*_{}[\]()#+!|<>~&]/g, (c) => `\\${c}`);

export function feedbackMarkdown(
  title: string,
  report: GradeReport,
  hidden: ReadonlySet<string>,
  notes: readonly string[],
  lang: Language = language(),
): string {
  const w = words[lang];
  const rows = report.tests.map(
    (t) =>
      `| ${t.passed ? "✓" : "✗"} | ${cellText(phrase(t.name, lang))}${hidden.has(t.name) ? ` *(${w.hidden})*` : ""} | ${t.points}/${t.maxPoints} | ${cellText(t.message)} |`,
  );
  return [
    `# ${w.feedback}: ${title}`,
    "",
    `**${w.score}: ${report.score} / ${report.maxScore}**`,
    "",
    `| | ${w.test} | ${w.points} | ${w.why} |`,
    "|---|---|---|---|",
    ...rows,
    ...(notes.length ? ["", `## ${w.notes}`, "", ...notes.map((n) => `- ${cellText(n)}`)] : []),
    "",
  ].join("\n");
}

const html = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Points per test as an inline SVG bar chart: full bars passed, empty ones failed. */
function pointsChart(report: GradeReport): string {
  const rowHeight = 22;
  const width = 360;
  const most = Math.max(1, ...report.tests.map((t) => t.maxPoints));
  const bars = report.tests.map((t, i) => {
    const y = i * rowHeight + 4;
    const full = (t.maxPoints / most) * (width - 60);
    const got = (t.points / most) * (width - 60);
    return `<rect x="0" y="${y}" width="${full}" height="14" fill="none" stroke="#888"/><rect x="0" y="${y}" width="${got}" height="14" fill="${t.passed ? "#2a8" : "#c33"}"/><text x="${full + 6}" y="${y + 12}" font-size="12">${t.points}/${t.maxPoints}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${report.tests.length * rowHeight + 8}" role="img" aria-label="points per test">${bars.join("")}</svg>`;
}

/** The same feedback as a standalone HTML page (no scripts, nothing fetched). */
export function feedbackHtml(
  title: string,
  report: GradeReport,
  hidden: ReadonlySet<string>,
  notes: readonly string[],
  lang: Language = language(),
): string {
  const w = words[lang];
  const rows = report.tests.map(
    (t) =>
      `<tr><td>${t.passed ? "✓" : "✗"}</td><td>${html(plainText(phrase(t.name, lang)))}${hidden.has(t.name) ? ` <em>(${w.hidden})</em>` : ""}</td><td>${t.points}/${t.maxPoints}</td><td>${html(plainText(t.message))}</td></tr>`,
  );
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${w.feedback}: ${html(title)}</title>
<style>body{font-family:system-ui,"WenQuanYi Zen Hei",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}</style></head>
<body><h1>${w.feedback}: ${html(title)}</h1>
<p><strong>${w.score}: ${report.score} / ${report.maxScore}</strong></p>
${pointsChart(report)}
<table><thead><tr><th></th><th>${w.test}</th><th>${w.points}</th><th>${w.why}</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
${notes.length ? `<h2>${w.notes}</h2><ul>${notes.map((n) => `<li>${html(plainText(n))}</li>`).join("")}</ul>` : ""}
</body></html>
`;
}
