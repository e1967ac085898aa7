/**
 * The course's own sentences in the learner's language. The Chinese edition shares its code
 * cells with the English one word for word (scripts/editions.mjs), so the English a cell hands
 * to the library — a claim's statement and evidence, a check's name, an expect's message — is
 * looked up here when it is shown. Keys are that English; a key may hold `{}` where the cell
 * interpolates a value (`you predicted {}; a run gave {}`), and its translation places the
 * values with `{}` in the same order, or `{0}`, `{1}`… in another. Text with no entry is shown
 * as it is (so is text whose values would span ", " or "; ": a list built at run time): the editions check (`node scripts/editions.mjs check`) fails while a sentence of a
 * notebook has no translation, so that happens only for text built at run time.
 */
import { language, type Language } from "./lang";
import zhCN from "./phrases-zh-CN.json";

const catalogs: Record<Exclude<Language, "en">, Readonly<Record<string, string>>> = { "zh-CN": zhCN };

interface Template {
  pattern: RegExp;
  translation: string;
}

const templates = new Map<Language, Template[]>();

/** An interpolated value: never across ", " or "; ", so a short key cannot swallow a list built at run time. */
const VALUE = "((?:(?!, |; )[\\s\\S])*?)";

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The catalog's keys with `{}` placeholders, as anchored patterns, the most literal text first (built once per language). */
function templatesOf(lang: Exclude<Language, "en">): Template[] {
  let list = templates.get(lang);
  if (!list) {
    list = Object.entries(catalogs[lang])
      .filter(([key, translation]) => key.includes("{}") && translation !== "")
      .sort(([a], [b]) => b.replaceAll("{}", "").length - a.replaceAll("{}", "").length)
      .map(([key, translation]) => ({ pattern: new RegExp(`^${key.split("{}").map(escape).join(VALUE)}$`), translation }));
    templates.set(lang, list);
  }
  return list;
}

/** Fills a translation's `{}` (in order) and `{N}` (by position) with the values a template matched. */
function fill(translation: string, values: string[]): string {
  let next = 0;
  return translation.replace(/\{(\d*)\}/g, (_whole, index: string) => values[index === "" ? next++ : Number(index)] ?? "");
}

/** `english` in `lang` (default: the learner's language); unchanged when the catalog has no entry for it (undefined stays undefined: an option not given). */
export function phrase(english: string, lang?: Language): string;
export function phrase(english: string | undefined, lang?: Language): string | undefined;
export function phrase(english: string | undefined, lang: Language = language()): string | undefined {
  if (lang === "en" || typeof english !== "string") return english;
  const exact = catalogs[lang][english];
  if (exact) return exact;
  for (const { pattern, translation } of templatesOf(lang)) {
    const match = pattern.exec(english);
    if (match) return fill(translation, match.slice(1));
  }
  return english;
}
