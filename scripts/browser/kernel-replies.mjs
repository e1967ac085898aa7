// The kernel's answers to the page's execute requests, read off JupyterLab's kernel
// websockets: when Run All shows nothing, they tell an aborted request from a lost click.

/**
 * One frame of the kernel websocket, either protocol: a JSON message (legacy) or
 * v1.kernel.websocket.jupyter.org (u64 count, u64 offsets, then channel, header,
 * parent header, metadata, content). Returns { channel, type, content } or null.
 */
export function parseKernelFrame(payload) {
  try {
    if (typeof payload === "string") {
      const message = JSON.parse(payload);
      return { channel: message.channel, type: message.header?.msg_type, content: message.content ?? {} };
    }
    const count = Number(payload.readBigUInt64LE(0));
    const offsets = Array.from({ length: count }, (_, i) => Number(payload.readBigUInt64LE(8 * (i + 1))));
    const part = (i) => payload.subarray(offsets[i], offsets[i + 1] ?? payload.length).toString("utf8");
    return { channel: part(0), type: JSON.parse(part(1)).msg_type, content: JSON.parse(part(4)) };
  } catch {
    return null; // not a kernel message (or not one this test reads)
  }
}

/**
 * Records the status of every execute_reply the page receives from now on.
 * `since(mark)` lists the statuses after `mark = replies.mark()`, e.g. ["ok", "abort"].
 */
export function watchExecuteReplies(page) {
  const statuses = [];
  page.on("websocket", (socket) => {
    if (!/\/api\/kernels\/[^/]+\/channels/.test(socket.url())) return;
    socket.on("framereceived", (frame) => {
      const message = parseKernelFrame(frame.payload);
      if (message?.channel === "shell" && message.type === "execute_reply") statuses.push(message.content.status);
    });
  });
  return { mark: () => statuses.length, since: (mark) => statuses.slice(mark) };
}
