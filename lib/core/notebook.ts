/**
 * Talking to a tslab notebook, when this code runs inside one.
 *
 * tslab's public `display.raw(type, data)` sends one MIME type per output. A
 * figure needs one output carrying several (plotly JSON, HTML, plain text), so
 * we use the writer tslab itself uses underneath: `lastWriteDisplayData` in
 * tslab/dist/jupyter.js, which takes a whole display_data message content.
 * It is looked up in the running kernel's module cache (not required fresh),
 * so it is the very instance that holds the kernel's connection.
 */

/** A MIME bundle: the `data` of one display_data message. */
export type MimeBundle = Record<string, unknown>;

interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

function kernelWriter(): WriteDisplayData | null {
  for (const [file, entry] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const writer = (entry?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof writer === "function") return writer as WriteDisplayData;
  }
  return null;
}

/** True when running inside a tslab kernel that is executing a cell. */
export function inNotebook(): boolean {
  return kernelWriter() !== null;
}

/** Sends one output with every MIME type of `bundle`; false outside a notebook. */
export function displayBundle(bundle: MimeBundle): boolean {
  const write = kernelWriter();
  if (!write) return false;
  write({ data: bundle, metadata: {}, transient: {} }, false);
  return true;
}

let displayCounter = 0;

/** An output that can be replaced in place (a live progress display). */
export interface UpdatingDisplay {
  /** Shows `bundle`, replacing what this display showed before; false outside a notebook. */
  update(bundle: MimeBundle): boolean;
}

export function updatingDisplay(): UpdatingDisplay {
  const id = `proclab-${process.pid}-${Date.now().toString(36)}-${++displayCounter}`;
  let shown = false;
  return {
    update(bundle) {
      const write = kernelWriter();
      if (!write) return false;
      write({ data: bundle, metadata: {}, transient: { display_id: id } }, shown);
      shown = true;
      return true;
    },
  };
}
