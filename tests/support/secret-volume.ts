// A Secret volume as the kubelet writes it, for tests of what reads one (the webhook's certificate).
//
// Each key is a link `<key>` → `..data/<key>`; `..data` links to a directory holding one version of
// the data, and a new version replaces `..data` in one rename, so a reader sees the old files or the
// new ones, never a mix.

import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class SecretVolume {
  private version = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(key: string): string {
    return join(this.dir, key);
  }

  /** Writes a new version of the data (key → content), as the kubelet does when the Secret changed. */
  write(data: Record<string, string | Uint8Array>): void {
    const version = `..${++this.version}`;
    mkdirSync(join(this.dir, version));
    for (const [key, content] of Object.entries(data)) writeFileSync(join(this.dir, version, key), content);
    symlinkSync(version, join(this.dir, "..data_tmp"));
    renameSync(join(this.dir, "..data_tmp"), join(this.dir, "..data"));
    if (this.version === 1) for (const key of Object.keys(data)) symlinkSync(join("..data", key), this.path(key));
  }
}
