/**
 * The capture files a sensor with `--replay-dir` offers for replay
 * (`GET /api/replay-files`), for the file field's suggestions.
 *
 * @module
 */

import { signal } from "@preact/signals";
import type { ReplayFileList } from "../server/replay_files.ts";
import { getJson } from "./api.ts";
import { formatBytes } from "./format.ts";

/** The sensor's list, or null before it came or when the sensor has none (no --replay-dir). */
export const replayFiles = signal<ReplayFileList | null>(null, {
  name: "replayFiles",
});

let asked = false;

/** Asks the sensor for its replay files once per page (a sensor's --replay-dir is fixed while it runs). */
export async function loadReplayFiles(): Promise<void> {
  if (asked) return;
  asked = true;
  try {
    const list = await getJson<ReplayFileList>("/api/replay-files");
    // No --replay-dir (dir ""): the field takes any path.
    replayFiles.value = list.dir === "" ? null : list;
  } catch {
    // An older sensor, or no answer: nothing to suggest.
    replayFiles.value = null;
  }
}

/** A suggestion's label: the path within the directory and the size ("day1/b.pcap · 1.2 MiB"). */
export function replayFileLabel(
  path: string,
  bytes: number,
  dir: string,
): string {
  const within = path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : path;
  return `${within} · ${formatBytes(bytes)}`;
}
