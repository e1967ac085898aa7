/** How an error message shows a value it was given: its type, then the value itself, on one line. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case "string":
      return `string ${clip(JSON.stringify(value))}`;
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "bigint":
      return `bigint ${String(value)}n`;
    case "symbol":
      return `symbol ${String(value)}`;
    case "function":
      return `function ${value.name || "(anonymous)"}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && typeof proto?.constructor === "function" && proto.constructor.name)
    return `a ${proto.constructor.name}`;
  return `an object with keys [${clip(Object.keys(value as object).join(", "))}]`;
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
