// Whether a rollout's maintenance window lets nodes start now, and when that changes. Cron by croner, zones by Intl.

import { Cron } from "croner";
import { durationMs } from "./quantity.ts";
import type { RolloutWindow } from "./types.ts";

export type WindowState =
  /** Nodes may start until `closesAt` (the window's end less the cutoff). */
  | { open: true; closesAt: Date }
  /** No node may start before `opensAt` (undefined: the schedule never fires again). */
  | { open: false; opensAt?: Date };

/** The window at `now`. Throws RangeError for a schedule or time zone that cannot be read, quoting it. */
export function windowState(window: RolloutWindow, now: Date): WindowState {
  const timeZone = window.timeZone ?? "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    throw new RangeError(`window.timeZone is not an IANA time zone: ${JSON.stringify(timeZone)}`);
  }
  let cron: Cron;
  try {
    cron = new Cron(window.schedule, { timezone: timeZone, mode: "5-part", paused: true });
  } catch (err) {
    throw new RangeError(
      `window.schedule is not a five-field cron expression (${(err as Error).message}): ${JSON.stringify(window.schedule)}`,
    );
  }
  const openMs = durationMs(window.duration) - durationMs(window.cutoff ?? "0s");
  // The latest start at or before now (windows of one schedule have one length, so it has the latest
  // end). previousRuns excludes its reference to the second; a start within the last second is
  // found forwards instead (five-field starts are whole minutes apart).
  const justNow = cron.nextRun(new Date(now.getTime() - 1000));
  const last = justNow && justNow.getTime() <= now.getTime() ? justNow : cron.previousRuns(1, now)[0];
  if (last && now.getTime() < last.getTime() + openMs) return { open: true, closesAt: new Date(last.getTime() + openMs) };
  return { open: false, opensAt: cron.nextRun(now) ?? undefined };
}
