// A lock file holding its owner's pid: waited for while the owner lives, taken over once it is dead.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the lock at `path`, waiting (and saying once that it waits, for `what`) while another live
 * process holds it. `onTakeover` runs before a dead holder's lock is taken over, to clean up after it.
 * Resolves to the function that releases the lock.
 */
export async function acquireLock(path: string, what: string, onTakeover?: () => Promise<void>): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(path, "utf8"), 10);
    } catch {
      continue; // Released between our attempt and the read.
    }
    // An empty file means the holder has created it but not yet written its pid.
    if (Number.isInteger(holder) && !isAlive(holder)) {
      await onTakeover?.();
      rmSync(path, { force: true });
      continue;
    }
    if (!announced) {
      const who = Number.isInteger(holder) ? ` (pid ${holder})` : "";
      process.stderr.write(`cluster: waiting for another process${who} to ${what}\n`);
      announced = true;
    }
    await Bun.sleep(500);
  }
}
