/**
 * The capture files a sensor started with `--replay-dir` may replay, for
 * the dashboard's file field: a bounded walk of that directory.
 *
 * @module
 */

/** One capture file under the replay directory. */
export interface ReplayFile {
  /** Its path as a replay takes it: the directory joined with the file's place in it. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
}

/** What {@linkcode listReplayFiles} found. */
export interface ReplayFileList {
  /** The replay directory ("": the sensor has none, and replays any file by its path). */
  dir: string;
  /** Capture files, sorted by path; at most {@linkcode MAX_REPLAY_FILES}. */
  files: ReplayFile[];
  /** Whether the walk stopped at a bound (more files, or directories deeper than {@linkcode MAX_REPLAY_DEPTH}). */
  more: boolean;
}

/** Most files listed. */
export const MAX_REPLAY_FILES = 500;
/** Most directory levels walked below the replay directory. */
export const MAX_REPLAY_DEPTH = 4;
/** Most directory entries read in all: a huge tree costs no more than this. */
const MAX_ENTRIES_READ = 20_000;

/** Names a capture file has: pcap, pcapng or cap, gzipped or not. */
const CAPTURE_NAME = /\.(pcap|pcapng|cap)(\.gz)?$/i;

/**
 * Lists the capture files under `dir` (by name: `.pcap`, `.pcapng`, `.cap`,
 * each maybe `.gz`), walking at most {@linkcode MAX_REPLAY_DEPTH} levels
 * down. Hidden entries and links are left out (a link may lead anywhere;
 * a replay still takes a link whose target lies inside). Unreadable
 * subdirectories are skipped.
 */
export async function listReplayFiles(dir: string): Promise<ReplayFileList> {
  const root = dir.replace(/\/+$/, "") || "/";
  const files: ReplayFile[] = [];
  let more = false;
  let read = 0;
  let level = [""];
  walk: for (let depth = 0; depth <= MAX_REPLAY_DEPTH; depth++) {
    const next: string[] = [];
    for (const relative of level.sort()) {
      const here = relative === "" ? root : `${root}/${relative}`;
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(here));
      } catch (error) {
        if (relative === "") throw error;
        continue;
      }
      entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      for (const entry of entries) {
        if (++read > MAX_ENTRIES_READ) {
          more = true;
          break walk;
        }
        if (entry.name.startsWith(".") || entry.isSymlink) continue;
        const place = relative === ""
          ? entry.name
          : `${relative}/${entry.name}`;
        if (entry.isDirectory) {
          if (depth < MAX_REPLAY_DEPTH) next.push(place);
          else more = true;
          continue;
        }
        if (!entry.isFile || !CAPTURE_NAME.test(entry.name)) continue;
        if (files.length >= MAX_REPLAY_FILES) {
          more = true;
          break walk;
        }
        const path = `${root === "/" ? "" : root}/${place}`;
        const info = await Deno.stat(path).catch(() => undefined);
        if (info?.isFile) files.push({ path, bytes: info.size });
      }
    }
    level = next;
  }
  files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { dir: root, files, more };
}
