/**
 * Lifetimes of a process tree (a runMain transcript): one row per process, a bar
 * from its start to its end coloured by its role (main, daemon child, non-daemon
 * child), its prints as marks, its ending (exit code or signal) as a label, and a
 * mark where it was orphaned. Lesson 1 reads who outlived whom off this picture.
 */
import { tr } from "../core/lang";
import { phrase } from "../core/phrases";
import type { Lifetime, PrintLine, Transcript } from "../process/run-main";
import { laneLayout, palette, type Figure, type Trace } from "./figure";
import { textTable } from "../core/text";

export interface LifetimesOptions {
  /** The finding; by default computed from the transcript. */
  title?: string;
  caption?: string;
}

const roleColor = { main: "#495057", daemon: palette.unprotected, child: palette.protected } as const;

function roleOf(lifetime: Lifetime, transcript: Transcript): keyof typeof roleColor {
  if (lifetime.pid === transcript.pid) return "main";
  return lifetime.daemon ? "daemon" : "child";
}

/** How a process ended, in Python's words: `exit 0`, `-15 (SIGTERM)`, or `still running`. */
export function endingOf(lifetime: Lifetime): string {
  if (lifetime.end === null) return tr("still running", "仍在运行");
  if (lifetime.signal) return `${lifetime.exitCode ?? "?"} (${lifetime.signal})`;
  return lifetime.exitCode === null
    ? tr("ended (exit code unseen: orphan)", "已结束（看不到退出码：孤儿进程）")
    : `exit ${lifetime.exitCode}`;
}

function defaultTitle(transcript: Transcript, origin: number): string {
  const main = transcript.lifetimes.find((l) => l.pid === transcript.pid);
  const children = transcript.lifetimes.filter((l) => l.pid !== transcript.pid);
  const mainEnd = main?.end;
  if (!main || !mainEnd || children.length === 0)
    return tr(`${transcript.lifetimes.length} process(es)`, `${transcript.lifetimes.length} 个进程`);
  // A main killed by a signal: its end is when its death was noticed; the kill is the moment to compare with.
  const killed = main.signal !== null ? transcript.killedAt : null;
  const reference = killed ?? mainEnd;
  const parts = children.map((child) => {
    if (child.end === null) return tr(`${child.name} still ran after ${main.name} ended`, `${main.name} 结束后 ${child.name} 仍在运行`);
    const gap = child.end - reference;
    const same = Math.abs(gap) < 1;
    const when = same ? (killed === null ? "with" : "as") : gap < 0 ? `${(-gap).toFixed(0)} ms before` : `${gap.toFixed(0)} ms after`;
    const zhWhen = same ? "的同时" : gap < 0 ? `之前 ${(-gap).toFixed(0)} ms` : `之后 ${gap.toFixed(0)} ms`;
    const role = child.daemon ? " (daemon)" : "";
    const zhRole = child.daemon ? "（守护进程）" : "";
    return killed === null
      ? tr(`${child.name}${role} ended ${when} ${main.name}`, `${child.name}${zhRole} 在 ${main.name} 结束${zhWhen}结束`)
      : tr(`${child.name}${role} ended ${when} ${main.name} was killed`, `${child.name}${zhRole} 在 ${main.name} 被杀死${zhWhen}结束`);
  });
  return killed === null
    ? tr(
        `${parts.join("; ")} (main ended at ${(mainEnd - origin).toFixed(0)} ms)`,
        `${parts.join("；")}（主进程在 ${(mainEnd - origin).toFixed(0)} ms 结束）`,
      )
    : tr(
        `${parts.join("; ")} (main killed at ${(killed - origin).toFixed(0)} ms)`,
        `${parts.join("；")}（主进程在 ${(killed - origin).toFixed(0)} ms 被杀死）`,
      );
}

/** The lifetimes of a runMain transcript as a figure. */
export function lifetimesFigure(transcript: Transcript, options: LifetimesOptions = {}): Figure {
  const lifetimes = [...transcript.lifetimes].sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity));
  const starts = lifetimes.map((l) => l.start).filter((t): t is number => t !== null);
  const origin = starts.length ? Math.min(...starts) : 0;
  const ms = (t: number): number => Math.round((t - origin) * 10) / 10;
  const rowOf = new Map(lifetimes.map((l) => [l.pid, `${l.name} (${l.pid})`]));
  const rows = lifetimes.map((l) => rowOf.get(l.pid) as string);
  const lastSeen = Math.max(...lifetimes.map((l) => l.end ?? 0), ...transcript.lines.map((l) => l.t));

  const data: Trace[] = (Object.keys(roleColor) as (keyof typeof roleColor)[]).map((role) => {
    const members = lifetimes.filter((l) => roleOf(l, transcript) === role && l.start !== null);
    return {
      type: "bar",
      orientation: "h",
      name:
        role === "main"
          ? tr("main program", "主进程")
          : role === "daemon"
            ? tr("daemon child", "守护子进程")
            : tr("non-daemon child", "非守护子进程"),
      y: members.map((l) => rowOf.get(l.pid)),
      base: members.map((l) => ms(l.start as number)),
      x: members.map((l) => Math.max(ms(l.end ?? lastSeen) - ms(l.start as number), 0.5)),
      marker: { color: roleColor[role] },
      width: 0.5,
      text: members.map(endingOf),
      textposition: "outside",
      hovertemplate: "%{y}: %{base:.0f}–%{x:.0f} ms, %{text}<extra></extra>",
    };
  });
  const prints = (lines: readonly PrintLine[]): Trace => ({
    type: "scatter",
    mode: "markers",
    name: tr("print", "打印"),
    y: lines.map((l) => rowOf.get(l.pid) ?? l.name),
    x: lines.map((l) => ms(l.t)),
    text: lines.map((l) => l.text.trimEnd()),
    marker: { symbol: "line-ns-open", size: 16, color: palette.read },
    hovertemplate: "%{x:.0f} ms: %{text}<extra>%{y}</extra>",
  });
  data.push(prints(transcript.lines));
  const adoptions = transcript.events.filter((e) => e.type === "ppid");
  if (adoptions.length) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: tr("orphaned: new parent pid", "成为孤儿：新的父进程 pid"),
      y: adoptions.map((e) => rowOf.get(e.pid) ?? e.name),
      x: adoptions.map((e) => ms(e.t)),
      text: adoptions.map((e) => JSON.stringify(e.data ?? {})),
      marker: { symbol: "star", size: 14, color: palette.failure },
      hovertemplate: "%{x:.0f} ms: parent changed %{text}<extra>%{y}</extra>",
    });
  }
  const caption =
    phrase(options.caption) ??
    tr(
      "One row per process: a bar from start to end, labelled with how it ended; ticks are its prints.",
      "每行一个进程：从开始到结束的条，标注了它如何结束；刻度是它的打印。",
    );
  return {
    data: data.filter((trace) => (trace.y as unknown[]).length > 0),
    layout: laneLayout(
      phrase(options.title) ?? defaultTitle(transcript, origin),
      tr("time since the main started (ms)", "自主进程启动起的时间（ms）"),
      caption,
      rows,
      { minHeight: 280, base: 150, perRow: 50 },
      {
        margin: { l: 80, r: 150, t: 60, b: 110 }, // room for the endings ("-9 (SIGKILL)") right of the bars
      },
    ),
    caption,
    text: lifetimeTable(transcript),
  };
}

/** The transcript's lifetimes as a text table: start, end (ms from the main's start), ending. */
function lifetimeTable(transcript: Transcript): string {
  const starts = transcript.lifetimes.map((l) => l.start).filter((t): t is number => t !== null);
  const origin = starts.length ? Math.min(...starts) : 0;
  const at = (t: number | null): string => (t === null ? "-" : (t - origin).toFixed(0));
  return textTable(
    ["process", "role", "start ms", "end ms", "ended", "parent pids"],
    transcript.lifetimes.map((l) => [
      `${l.name} (${l.pid})`,
      roleOf(l, transcript),
      at(l.start),
      at(l.end),
      endingOf(l),
      l.ppids.join(" → "),
    ]),
  );
}
