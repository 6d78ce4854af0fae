// The local control plane's audit log (Metadata level), read back for tests and benchmarks.

import { readFileSync } from "node:fs";

export interface AuditEntry {
  stage: string;
  verb: string;
  requestURI?: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  requestReceivedTimestamp: string;
  responseStatus?: { code?: number };
}

/** Every entry of the audit log at `path`, or only those of one `stage` (lines of other stages are not parsed). */
export function readAuditLog(path: string, stage?: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line || (stage !== undefined && !line.includes(`"${stage}"`))) continue;
    const entry = JSON.parse(line) as AuditEntry;
    if (stage === undefined || entry.stage === stage) entries.push(entry);
  }
  return entries;
}
