/** Plain-text output shared by every layer: terminals, `text/plain` outputs, feedback files. */

/** A fixed-width table for text/plain. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * `text` quoted for an error message: whole when short, else its first `max` characters, "…"
 * and its length, so a 100 000-letter input does not come back whole.
 */
export function quoteInput(text: string, max = 60): string {
  const chars = Array.from(text);
  return chars.length <= max ? JSON.stringify(text) : `${JSON.stringify(`${chars.slice(0, max).join("")}…`)} (${chars.length} characters)`;
}

/** Any value for an error message: its JSON (or String) form, cut like quoteInput's. */
export function showInput(value: unknown, max = 60): string {
  if (typeof value === "string") return quoteInput(value, max);
  const text = (typeof value === "number" || typeof value === "bigint" ? String(value) : JSON.stringify(value)) ?? String(value);
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max).join("")}… (${chars.length} characters)`;
}
