// The API server's audit log (Metadata level): who sent which requests in a time window.

import { type AuditEntry, readAuditLog } from "../../tests/cluster/audit.ts";

export type { AuditEntry };

/** Epoch milliseconds of an audit timestamp with microseconds. */
export const auditMs = (t: string): number => Date.parse(`${t.slice(0, 19)}Z`) + Number(t.slice(19, -1) || 0) * 1000;

/** The completed requests of the audit log at `path`. */
export const readAudit = (path: string): AuditEntry[] => readAuditLog(path, "ResponseComplete");

/**
 * @internal
 * The operator, the floor and the Go peer: the benchmark runs them all with a token of the plexd-cluster
 * ServiceAccount (one that is not bound to a pod); a DaemonSet's controllers use plexd.
 */
export const isPlexd = (e: AuditEntry): boolean => /^system:serviceaccount:[^:]+:plexd(-cluster)?$/.test(e.user.username);

/** Requests matching `keep` received in [from, to] (epoch ms), by `verb resource[/subresource]`, largest first. */
export function auditCounts(
  entries: AuditEntry[],
  from: number,
  to: number,
  keep: (e: AuditEntry) => boolean = isPlexd,
): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const at = auditMs(e.requestReceivedTimestamp);
    if (at < from || at > to || !keep(e)) continue;
    const o = e.objectRef ?? {};
    const key = `${e.verb} ${o.resource ?? "-"}${o.subresource ? `/${o.subresource}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

/** The plexd Lease requests received in [from, to], by `verb code` (a 429 is the API server shedding load). */
export function leaseCounts(entries: AuditEntry[], from: number, to: number): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const at = auditMs(e.requestReceivedTimestamp);
    if (at < from || at > to || !isPlexd(e) || e.objectRef?.resource !== "leases" || e.verb === "watch") continue;
    const key = `${e.verb} ${e.responseStatus?.code ?? "-"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
