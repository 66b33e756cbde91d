/**
 * The directory a live capture's file ring lives in: a private directory
 * under `/run/netmirror`, used only on a file system of its own (tmpfs:
 * /run on systemd hosts, or one mounted there), writable by the user
 * tcpdump runs as, kept fresh by a heartbeat so that
 * the next start can remove what a killed NetMirror left behind. Not
 * `/dev/shm`: Deno grants nothing under `/dev` short of `--allow-all`. Only
 * root can create `/run/netmirror`; other users capture through a pipe.
 *
 * Debian's tcpdump started as root drops to the user `tcpdump` before it
 * opens its output file, so when NetMirror runs as root the directory
 * belongs to that user and tcpdump is told so explicitly (`-Z tcpdump`;
 * `-Z root` where no such user exists). Run as another user, tcpdump keeps
 * that user and the directory is that user's own.
 *
 * @module
 */

/** Where ring directories are made (needs `--allow-write` for it). */
export const RING_BASE_DIR = "/run/netmirror";

/** How often a running capture touches its directory, in milliseconds. */
export const RING_HEARTBEAT_MS = 30_000;

/** Ring directories untouched for longer than this are a dead process's, in milliseconds. */
export const STALE_RING_MS = 5 * 60_000;

const RING_PREFIX = "ring-";
const TCPDUMP_USER = "tcpdump";

/** A prepared ring directory. */
export interface RingDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** The user tcpdump must run as to write there (`-Z`), when NetMirror runs as root. */
  readonly user?: string;
  /** Stops the heartbeat and removes the directory with what is left in it. Never throws. */
  remove(): Promise<void>;
}

/** Why no ring directory could be prepared: the capture then reads tcpdump through a pipe. */
export interface RingUnavailable {
  /** One line for logs, e.g. "/run is missing". */
  readonly reason: string;
}

/** Options of {@linkcode prepareRingDir}. */
export interface PrepareRingOptions {
  /** Parent of the ring directories; default {@linkcode RING_BASE_DIR}. */
  baseDir?: string;
  /** The passwd file the tcpdump user is looked up in; default "/etc/passwd". */
  passwdPath?: string;
  /** Current time, for the stale check; default `Date.now()`. */
  nowMs?: number;
  /**
   * Use the base directory even on the root file system (default: only on
   * a file system of its own, such as /run's tmpfs). On a disk, tcpdump's
   * file writes stall behind other writers' journal commits: with `dd`
   * writing beside it, a ring on this machine's disk lost up to twice what
   * a pipe did (bench/findings.md, step 19).
   */
  anyFileSystem?: boolean;
}

/**
 * Makes a fresh ring directory, first removing stale ones (heartbeat older
 * than {@linkcode STALE_RING_MS}). Returns {@linkcode RingUnavailable}
 * instead of throwing when the platform, the permissions or the base
 * directory do not allow it (not Linux, not root, `--allow-write` missing,
 * a base directory that is not NetMirror's own).
 */
export function prepareRingDir(
  options: PrepareRingOptions = {},
): RingDir | RingUnavailable {
  const baseDir = options.baseDir ?? RING_BASE_DIR;
  if (Deno.build.os !== "linux") {
    return { reason: `file ring needs Linux, not ${Deno.build.os}` };
  }
  try {
    const uid = Deno.uid();
    if (uid === null) return { reason: "no user id on this platform" };
    const unsafe = makeBaseDir(baseDir, uid);
    if (unsafe) return { reason: unsafe };
    if (
      !options.anyFileSystem &&
      Deno.statSync(baseDir).dev === Deno.statSync("/").dev
    ) {
      return {
        reason:
          `${baseDir} is on the root file system, not a tmpfs (mount one there: mount -t tmpfs -o size=64m,mode=0711 tmpfs ${baseDir})`,
      };
    }
    removeStaleRings(baseDir, options.nowMs ?? Date.now());
    const path = Deno.makeTempDirSync({ dir: baseDir, prefix: RING_PREFIX });
    let user: string | undefined;
    if (uid === 0) {
      const owner = lookupUser(options.passwdPath ?? "/etc/passwd");
      if (owner) Deno.chownSync(path, owner.uid, owner.gid);
      user = owner ? TCPDUMP_USER : "root";
    }
    return openRing(path, user);
  } catch (error) {
    return { reason: `cannot prepare ${baseDir}: ${oneLine(error)}` };
  }
}

/** True when {@linkcode prepareRingDir} gave a directory. */
export function isRingDir(value: RingDir | RingUnavailable): value is RingDir {
  return "path" in value;
}

/** Creates the base directory (0711) if needed; returns why it cannot be trusted, if so. */
function makeBaseDir(baseDir: string, uid: number): string | undefined {
  const parent = baseDir.slice(0, baseDir.lastIndexOf("/")) || "/";
  try {
    if (!Deno.statSync(parent).isDirectory) return `${parent} is missing`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `${parent} is missing`;
    throw error;
  }
  try {
    Deno.mkdirSync(baseDir, { mode: 0o711 });
    Deno.chmodSync(baseDir, 0o711); // not narrowed by the umask
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  // Trust only our own directory, writable by nobody else.
  const info = Deno.lstatSync(baseDir);
  if (!info.isDirectory) return `${baseDir} is not a directory`;
  if (info.uid !== uid) {
    return `${baseDir} belongs to uid ${info.uid}, not to NetMirror's ${uid}`;
  }
  if (info.mode !== null && (info.mode & 0o022) !== 0) {
    return `${baseDir} is writable by others (mode ${
      (info.mode & 0o777).toString(8)
    })`;
  }
  return undefined;
}

/** Removes ring directories whose heartbeat stopped (their NetMirror was killed). */
function removeStaleRings(baseDir: string, nowMs: number): void {
  for (const entry of Deno.readDirSync(baseDir)) {
    if (!entry.isDirectory || !entry.name.startsWith(RING_PREFIX)) continue;
    const path = `${baseDir}/${entry.name}`;
    try {
      const touchedMs = Deno.lstatSync(path).mtime?.getTime() ?? nowMs;
      if (nowMs - touchedMs > STALE_RING_MS) {
        Deno.removeSync(path, { recursive: true });
      }
    } catch {
      // Another NetMirror's, or gone meanwhile: not ours to clean.
    }
  }
}

function openRing(path: string, user: string | undefined): RingDir {
  const heartbeat = setInterval(() => {
    const now = new Date();
    Deno.utime(path, now, now).catch(() => {});
  }, RING_HEARTBEAT_MS);
  Deno.unrefTimer(heartbeat);
  let removing: Promise<void> | undefined;
  return {
    path,
    ...(user !== undefined ? { user } : {}),
    remove() {
      clearInterval(heartbeat);
      removing ??= Deno.remove(path, { recursive: true }).catch(() => {});
      return removing;
    },
  };
}

/** The tcpdump user's ids from a passwd file, if it has one. */
function lookupUser(
  passwdPath: string,
): { uid: number; gid: number } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(passwdPath);
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] !== TCPDUMP_USER || fields.length < 4) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
  }
  return undefined;
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split(
    "\n",
  )[0]!;
}
