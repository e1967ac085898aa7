/**
 * The learner's language: English by default, Simplified Chinese (zh-CN) when
 * - the notebook runs from the Chinese edition's folder (a kernel's working folder is its
 *   notebook's: notebooks/zh-CN/…), so the two editions share code cells word for word; else
 * - `PROCLAB_LANG=zh-CN` (or `zh`) is set (`PROCLAB_LANG=en` forces English); else
 * - the locale (LC_ALL, LC_MESSAGES, LANG) is Chinese.
 */
import * as path from "node:path";

export type Language = "en" | "zh-CN";

function fromTag(tag: string | undefined): Language | null {
  if (!tag) return null;
  if (/^zh([-_](CN|Hans|SG))?\b/i.test(tag)) return "zh-CN";
  if (/^(en|C|POSIX)\b/i.test(tag)) return "en";
  return null;
}

/** The language of messages and figures, decided as the module comment says (read each time: tests switch it). */
export function language(): Language {
  if (process.cwd().split(path.sep).includes("zh-CN")) return "zh-CN";
  const chosen = fromTag(process.env.PROCLAB_LANG);
  if (chosen) return chosen;
  return fromTag(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG) ?? "en";
}

/** The text for the learner's language. */
export function tr(en: string, zh: string): string {
  return language() === "zh-CN" ? zh : en;
}
