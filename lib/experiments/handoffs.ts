/**
 * How a lock passes from holder to holder, from its holds: what a user waiting for it feels.
 * - handoff: the lock lay free while another process waited for it (its request came before
 *   the release), from that release to that process's acquisition;
 * - re-take: the releaser took the lock again next (fast, but it passed over any waiter);
 * - overtaken: how many later requests got the lock before a waiter did (0 for a fair lock);
 * - overlapping: holds that began before an earlier one ended (0 when it had one holder at a time).
 */
import { isEvent, type ProcEvent } from "../core/events";

/** One hold of one process: asked for the lock, got it, released it (ms, one clock). */
export interface Hold {
  proc: number;
  req: number;
  acq: number;
  rel: number;
}

export interface Handoffs {
  /** Release → acquisition by a process that was already waiting, ms, sorted. */
  gaps: number[];
  /** Share of acquisitions (after the first) by the process that released just before. */
  retakeShare: number;
  /** The most later requests that any one waiter saw served before it. */
  maxOvertaken: number;
  /** Holds that began before an earlier one ended: 0 when the lock had one holder at a time. */
  overlapping: number;
}

/** Of these spans (acquired → released), how many began before an earlier one ended. */
export function overlappingHolds(holds: readonly { acq: number; rel: number }[]): number {
  let heldUntil = -Infinity;
  let overlapping = 0;
  for (const hold of [...holds].sort((a, b) => a.acq - b.acq)) {
    if (hold.acq < heldUntil) overlapping += 1;
    heldUntil = Math.max(heldUntil, hold.rel);
  }
  return overlapping;
}

export function handoffs(holds: readonly Hold[]): Handoffs {
  const byAcq = [...holds].sort((a, b) => a.acq - b.acq);
  const gaps: number[] = [];
  let retakes = 0;
  for (let i = 1; i < byAcq.length; i++) {
    const [previous, next] = [byAcq[i - 1], byAcq[i]];
    if (next.proc === previous.proc) retakes++;
    else if (next.req <= previous.rel) gaps.push(next.acq - previous.rel);
  }
  // A hold overtaken by each later request served first: count them per hold (sorted by request).
  const byReq = [...holds].sort((a, b) => a.req - b.req);
  let maxOvertaken = 0;
  for (let i = 0; i < byReq.length; i++) {
    let overtaken = 0;
    for (let j = i + 1; j < byReq.length && byReq[j].req < byReq[i].acq; j++) if (byReq[j].acq < byReq[i].acq) overtaken++;
    maxOvertaken = Math.max(maxOvertaken, overtaken);
  }
  return {
    gaps: gaps.sort((a, b) => a - b),
    retakeShare: byAcq.length > 1 ? retakes / (byAcq.length - 1) : 0,
    maxOvertaken,
    overlapping: overlappingHolds(holds),
  };
}

/** The holds of one lock from its events (lock-requested, -acquired, -released of each process). */
export function holdsFromEvents(events: readonly ProcEvent[], lock?: string): Hold[] {
  const holds: Hold[] = [];
  const open = new Map<number, Partial<Hold>>();
  const mine = (e: { data: { lock: string } }): boolean => lock === undefined || e.data.lock === lock;
  for (const event of [...events].sort((a, b) => a.t - b.t)) {
    if (isEvent("lock-requested")(event) && mine(event)) open.set(event.pid, { proc: event.pid, req: event.t });
    else if (isEvent("lock-acquired")(event) && mine(event)) {
      const hold = open.get(event.pid);
      if (hold) hold.acq = event.t;
    } else if (isEvent("lock-released")(event) && mine(event)) {
      const hold = open.get(event.data.holder);
      if (hold?.acq !== undefined && hold.req !== undefined)
        holds.push({ proc: event.data.holder, req: hold.req, acq: hold.acq, rel: event.t });
      open.delete(event.data.holder);
    }
  }
  return holds;
}

export function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}
