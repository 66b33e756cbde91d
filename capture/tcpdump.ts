/**
 * The live capture source: runs
 * `tcpdump -i <iface> -w - -U --immediate-mode -n -s <snap> [-B kib] [-c n] -- <filter>`
 * (argv only, never a shell) and hands its pcap output on in chunks, with
 * tcpdump's own packet counts when it stops. With a ring directory, tcpdump
 * writes a ring of files on tmpfs instead of a pipe
 * (`-w <dir>/ring.pcap -C <MB> -W <n> -v [-Z user]`, read by ring_reader.ts):
 * no write of tcpdump's wakes the reader. `-v` makes tcpdump print its
 * packet count on stderr each second the count changed, so a tcpdump whose
 * NetMirror was killed dies of SIGPIPE, as one writing into a pipe does.
 *
 * @module
 */

import { byobChunks } from "./byob_chunks.ts";
import { isBeingKilled, registerChild } from "./child_registry.ts";
import { ringChunks } from "./ring_reader.ts";
import {
  classifyTcpdumpStderr,
  RingError,
  TcpdumpError,
  tcpdumpNotInstalled,
} from "./tcpdump_errors.ts";

/** tcpdump's default and largest snap length, in bytes. */
export const MAX_SNAP_LENGTH = 262_144;

/**
 * Default snap length (`-s`), in bytes: 9216, Zeek's default, so a jumbo
 * frame is kept whole. Not tcpdump's 262144: with --immediate-mode libpcap
 * gives every packet a ring slot sized for the snap length, capped only
 * near 64 KiB on an interface with receive offload (most NICs, veth and lo)
 * and not at all on `any`, so a 64 MiB buffer held about 1 000 packets
 * (256 on `any`). A burst of 10 000 packets (ping -f on a veth pair) lost
 * two thirds of them with 262144 and none with 9216 (about 7 000 slots).
 * Frames longer than this (GRO/TSO aggregates on the capturing host) keep
 * their headers and count with their full wire length.
 */
export const DEFAULT_SNAP_LENGTH = 9_216;

/**
 * Default kernel capture buffer (`-B`), in KiB: 64 MiB. libpcap's 2 MiB ring
 * holds only a few dozen snap-length slots with --immediate-mode, and the
 * benchmarks saw tcpdump itself drop most packets of a 200k pps burst on lo
 * with it; 64 MiB brought those drops to zero.
 */
export const DEFAULT_BUFFER_KIB = 65_536;

/** How long {@linkcode TcpdumpSource.stop} waits after SIGINT before SIGKILL, in milliseconds. */
export const STOP_GRACE_MS = 2_000;

/**
 * How long a tcpdump that exited cleanly by itself waits for NetMirror's own
 * stop before its exit counts as a failure, in milliseconds: Ctrl-C reaches
 * tcpdump (same process group) and NetMirror's signal listener at once, in
 * either order.
 */
export const UNASKED_EXIT_GRACE_MS = 250;

/** Characters kept from each end of tcpdump's stderr (errors come first, counts last). */
const STDERR_KEEP_CHARS = 16 * 1024;
/** Largest `-B` tcpdump accepts (the size in bytes must fit an int), in KiB. */
export const MAX_BUFFER_KIB = 2_097_151;
/** Largest `-c` tcpdump accepts. */
export const MAX_COUNT = 2_147_483_647;
const LISTENING = "listening on ";
/** Characters kept of an unfinished stderr line: more than a count line. */
const MAX_PARTIAL_LINE_CHARS = 512;

/** Size of each file of the ring (`-C`), in millions of bytes. */
export const RING_FILE_MB = 2;

/** Files in the ring (`-W`): at most this many times {@linkcode RING_FILE_MB} on tmpfs. */
export const RING_FILE_COUNT = 16;

/** Name of the ring's files in their directory (tcpdump appends the number). */
export const RING_FILE_NAME = "ring.pcap";

/** Where tcpdump writes a ring of files instead of a pipe. */
export interface TcpdumpRing {
  /** A private directory on tmpfs that tcpdump can write to (ring_dir.ts). */
  dir: string;
  /** The user tcpdump runs as after opening the device (`-Z`), if it must be told. */
  user?: string;
  /** Files in the ring; default {@linkcode RING_FILE_COUNT}. */
  fileCount?: number;
  /** Size of each file, in millions of bytes; default {@linkcode RING_FILE_MB}. */
  fileMegabytes?: number;
}

/** Options of {@linkcode spawnTcpdump}. */
export interface TcpdumpOptions {
  /** Interface to capture on (`-i`), e.g. "eth0", "lo" or "any". */
  iface: string;
  /** BPF expression; empty or absent captures everything. */
  filter?: string;
  /** Bytes kept of each packet (`-s`), 0..262144 (0 means 262144 to tcpdump); default {@linkcode DEFAULT_SNAP_LENGTH}. */
  snapLength?: number;
  /** Kernel capture buffer (`-B`), in KiB; default {@linkcode DEFAULT_BUFFER_KIB}. */
  bufferKib?: number;
  /** Stop after this many packets (`-c`); default: run until stopped. */
  count?: number;
  /** tcpdump binary; default "tcpdump" from PATH. */
  tcpdumpPath?: string;
  /** Write a ring of files there instead of into a pipe. */
  ring?: TcpdumpRing;
}

/** tcpdump's own counts, printed on stderr when it exits. */
export interface TcpdumpStats {
  /** Packets tcpdump wrote ("N packets captured"). */
  captured: number;
  /** Packets that matched the filter ("N packets received by filter"). */
  receivedByFilter: number;
  /** Packets the kernel dropped for lack of buffer space ("N packets dropped by kernel"). */
  droppedByKernel: number;
  /** Packets the interface dropped ("N packets dropped by interface"; 0 when tcpdump omits it). */
  droppedByInterface: number;
}

/** A running tcpdump and its output. */
export interface TcpdumpSource {
  /**
   * Classic pcap bytes from tcpdump's stdout, in chunks of one reused buffer:
   * use (or copy) each chunk before pulling the next. Iterate it once; it
   * ends when tcpdump exits.
   */
  chunks(): AsyncIterable<Uint8Array>;
  /** Resolves when tcpdump is listening; rejects with `TcpdumpError` if it exits first. */
  ready: Promise<void>;
  /**
   * Stops tcpdump (SIGINT, so it prints its counts; SIGKILL after
   * {@linkcode STOP_GRACE_MS}) and resolves like `done`. Idempotent.
   */
  stop(): Promise<TcpdumpStats>;
  /**
   * Resolves with tcpdump's counts when it exits normally (stopped, by
   * SIGINT/SIGTERM, or after `count` packets); rejects with `TcpdumpError`
   * when it fails. The child is reaped and unregistered by then.
   */
  done: Promise<TcpdumpStats>;
  /** Process id of tcpdump. */
  pid: number;
  /** Packets tcpdump wrote that the reader skipped, a ring's files at a time, because it fell half a ring behind (0 with a pipe, which holds tcpdump back instead). */
  skippedPackets(): number;
  /**
   * The counts tcpdump reported last while running (undefined before its
   * first report), and a request for new ones (SIGUSR1, once it listens):
   * its answer is there for the next call, about a millisecond later.
   */
  pollCounts(): TcpdumpStats | undefined;
}

/** Joins trailing command-line words into one BPF expression ("" for none). */
export function filterArgs(parts: string[]): string {
  return parts.map((part) => part.trim()).filter((part) => part !== "")
    .join(" ");
}

/**
 * tcpdump's one-line answer to SIGUSR1 (SIGINFO on BSD): "tcpdump: 10
 * packets captured, 20 packets received by filter, 0 packets dropped by
 * kernel", and ", 3 packets dropped by interface" when there are some.
 */
const RUNNING_COUNTS =
  /tcpdump: (\d+) packets? captured, (\d+) packets? received by filter, (\d+) packets? dropped by kernel(?:, (\d+) packets? dropped by interface)?\r?\n/g;

/** The last of tcpdump's running counts in `text` (see {@linkcode RUNNING_COUNTS}), if any. */
export function lastRunningCounts(text: string): TcpdumpStats | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(RUNNING_COUNTS)) last = match;
  if (last === undefined) return undefined;
  return {
    captured: Number(last[1]),
    receivedByFilter: Number(last[2]),
    droppedByKernel: Number(last[3]),
    droppedByInterface: Number(last[4] ?? 0),
  };
}

/** Reads tcpdump's exit counts from its stderr; a missing line counts as 0. */
export function parseTcpdumpStats(stderr: string): TcpdumpStats {
  const count = (what: string): number => {
    const match = new RegExp(`^(\\d+) packets? ${what}\\s*$`, "m").exec(stderr);
    return match ? Number(match[1]) : 0;
  };
  return {
    captured: count("captured"),
    receivedByFilter: count("received by filter"),
    droppedByKernel: count("dropped by kernel"),
    droppedByInterface: count("dropped by interface"),
  };
}

/** Returns tcpdump's argv (without the program) for `options`, after checking them. */
export function tcpdumpArgs(options: TcpdumpOptions): string[] {
  const { iface } = options;
  const filter = options.filter?.trim() ?? "";
  // An interface name is one word: never an option, never empty.
  if (iface === "" || iface.startsWith("-") || /[\s\0]/.test(iface)) {
    throw new TcpdumpError(
      "no_such_device",
      iface.startsWith("-")
        ? `Cannot capture on "${iface}": tcpdump would read a name that starts with "-" as an option (rename the interface, or capture on "any")`
        : `No such interface "${iface}": an interface name is one word`,
      "",
    );
  }
  if (filter.includes("\0")) {
    throw new TcpdumpError(
      "bad_filter",
      `Bad BPF filter "${filter.replaceAll("\0", "\\0")}": contains a NUL byte`,
      "",
    );
  }
  const snapLength = options.snapLength ?? DEFAULT_SNAP_LENGTH;
  checkInteger("snapLength", snapLength, 0, MAX_SNAP_LENGTH);
  const args = [
    "-i",
    iface,
    "-w",
    ...outputArgs(options.ring),
    "-U",
    "--immediate-mode",
    "-n",
    "-s",
    String(snapLength),
  ];
  const bufferKib = options.bufferKib ?? DEFAULT_BUFFER_KIB;
  checkInteger("bufferKib", bufferKib, 1, MAX_BUFFER_KIB);
  args.push("-B", String(bufferKib));
  if (options.count !== undefined) {
    checkInteger("count", options.count, 1, MAX_COUNT);
    args.push("-c", String(options.count));
  }
  // "--" ends the options: a filter starting with "-" stays a filter.
  if (filter !== "") args.push("--", filter);
  return args;
}

/** The arguments after `-w`: "-", or a ring of files. */
function outputArgs(ring: TcpdumpRing | undefined): string[] {
  if (ring === undefined) return ["-"];
  const { basePath, fileCount, fileMegabytes } = ringFiles(ring);
  checkInteger("ring.fileCount", fileCount, 4, 1000);
  checkInteger("ring.fileMegabytes", fileMegabytes, 1, 1000);
  return [
    basePath,
    "-C",
    String(fileMegabytes),
    "-W",
    String(fileCount),
    "-v",
    ...(ring.user !== undefined ? ["-Z", ring.user] : []),
  ];
}

/** The ring's files: the path given to `-w`, their number and size (defaults filled in). */
function ringFiles(ring: TcpdumpRing) {
  return {
    basePath: `${ring.dir}/${RING_FILE_NAME}`,
    fileCount: ring.fileCount ?? RING_FILE_COUNT,
    fileMegabytes: ring.fileMegabytes ?? RING_FILE_MB,
  };
}

/**
 * Starts tcpdump on `options.iface` and returns its output and lifecycle.
 * Throws `TcpdumpError` right away for an invalid interface name or filter
 * text, or when tcpdump is not installed; `RangeError` for bad numbers.
 * Everything tcpdump itself rejects (bad filter, no such interface, no
 * permission) rejects `ready` and `done` with a classified `TcpdumpError`.
 *
 * @example Capture ten packets on loopback
 * ```ts ignore
 * const tcpdump = spawnTcpdump({ iface: "lo", filter: "udp", count: 10 });
 * await tcpdump.ready;
 * for await (const chunk of tcpdump.chunks()) parser.push(chunk, onRecord);
 * const stats = await tcpdump.done;
 * ```
 */
export function spawnTcpdump(options: TcpdumpOptions): TcpdumpSource {
  const args = tcpdumpArgs(options);
  const tcpdumpPath = options.tcpdumpPath ?? "tcpdump";
  const context = {
    iface: options.iface,
    filter: options.filter?.trim() ?? "",
  };
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tcpdumpPath, {
      args,
      stdin: "null",
      stdout: options.ring ? "null" : "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw tcpdumpNotInstalled(tcpdumpPath, "capture");
    }
    throw error;
  }
  const unregister = registerChild(child);
  const ring = options.ring;
  // tcpdump's stdout when it writes into a pipe.
  const stdout = ring ? undefined : child.stdout;

  let listening = false;
  let exited = false;
  let processExited = false;
  let skipped = 0;
  void child.status.then(() => processExited = true, () => {});
  let stopRequested = false;
  let stdoutState: "idle" | "reading" | "released" = "idle";
  let draining: Promise<void> | undefined;

  const { promise: ready, resolve: resolveReady, reject: rejectReady } = Promise
    .withResolvers<void>();
  ready.catch(() => {}); // a failure is also reported by `done`

  const stderr = new BoundedText(STDERR_KEEP_CHARS);
  let counts: TcpdumpStats | undefined;
  const stderrRead = (async () => {
    // The unfinished last line, for a count split across reads (bounded:
    // `-v`'s "Got N" updates end in a carriage return, not a newline).
    let partial = "";
    for await (
      const text of child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      stderr.append(text);
      const lines = partial + text;
      if (!listening && lines.includes(LISTENING)) {
        listening = true;
        resolveReady();
      }
      counts = lastRunningCounts(lines) ?? counts;
      partial = lines.slice(lines.lastIndexOf("\n") + 1).slice(
        -MAX_PARTIAL_LINE_CHARS,
      );
    }
  })();

  // Lets tcpdump finish writing (and print its counts) when nobody reads stdout.
  const drainStdout = (): void => {
    if (draining || !stdout || stdout.locked) return;
    draining = stdout.pipeTo(new WritableStream()).catch(() => {});
  };

  const done = (async (): Promise<TcpdumpStats> => {
    const [status] = await Promise.all([
      child.status,
      stderrRead.catch(() => {}),
    ]);
    exited = true;
    const killedByRegistry = isBeingKilled(child);
    unregister();
    const text = stderr.text();
    const stoppedBySignal = status.signal === "SIGINT" ||
      status.signal === "SIGTERM" ||
      (stopRequested && status.signal !== null);
    let failure: TcpdumpError | undefined;
    // A clean exit nobody here asked for, with no -c: another process
    // stopped tcpdump (kill, pkill). The session must not look stopped.
    if (
      status.success && listening && options.count === undefined &&
      !stopRequested && !killedByRegistry
    ) {
      await new Promise((resolve) =>
        setTimeout(resolve, UNASKED_EXIT_GRACE_MS)
      );
      if (!stopRequested) {
        failure = new TcpdumpError(
          "failed",
          `tcpdump on "${options.iface}" exited before NetMirror stopped it (another process ended it)`,
          text,
        );
      }
    }
    if (!status.success && !stoppedBySignal) {
      failure = status.signal === null
        ? classifyTcpdumpStderr(text, context)
        : new TcpdumpError(
          "failed",
          `tcpdump on "${options.iface}" was killed by ${status.signal}`,
          text,
        );
      // Not the capture's permission: the ring's directory (a user that
      // cannot reach it, AppArmor or SELinux confining tcpdump).
      if (ring && status.signal === null && text.includes(ring.dir)) {
        const detail = text.trim().split("\n").at(-1) ?? "";
        failure = new RingError(
          `tcpdump cannot write its file ring in ${ring.dir}: ${detail} (--tcpdump-output pipe avoids the ring)`,
          detail,
          text,
        );
      }
    }
    // Output nobody will read: after a failure, or after the reader left.
    // (Idle output of a clean exit stays readable through chunks().)
    if (
      stdout && !stdout.locked &&
      (failure !== undefined || !listening || stdoutState !== "idle")
    ) {
      await stdout.cancel().catch(() => {});
    }
    await draining;
    if (!listening) {
      rejectReady(
        failure ??
          new TcpdumpError(
            "failed",
            `tcpdump on "${options.iface}" stopped before it started listening`,
            text,
          ),
      );
    }
    if (failure) throw failure;
    return parseTcpdumpStats(text);
  })();
  done.catch(() => {}); // observed through `done`, `ready` or `stop()`

  let stopping: Promise<TcpdumpStats> | undefined;
  const stop = (): Promise<TcpdumpStats> => {
    stopping ??= (async () => {
      stopRequested = true; // also when tcpdump has just exited by itself
      if (!exited) {
        if (stdoutState !== "reading") drainStdout();
        signal(child, "SIGINT");
        const timer = setTimeout(() => signal(child, "SIGKILL"), STOP_GRACE_MS);
        try {
          await child.status;
        } finally {
          clearTimeout(timer);
        }
      }
      return await done;
    })();
    return stopping;
  };

  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    if (stdoutState !== "idle" || draining) {
      throw new TypeError("Cannot read tcpdump's output twice");
    }
    stdoutState = "reading";
    try {
      if (ring) {
        const { basePath, fileCount } = ringFiles(ring);
        yield* ringChunks({
          basePath,
          fileCount,
          exited: () => processExited,
          onSkipped: (packets) => skipped += packets,
        });
      } else yield* byobChunks(stdout!);
    } finally {
      stdoutState = "released";
      // Left early: keep tcpdump from blocking on a full pipe if it is stopping.
      if (stopRequested && !exited) drainStdout();
      else if (exited) await stdout?.cancel().catch(() => {});
    }
  }

  return {
    chunks,
    ready,
    stop,
    done,
    pid: child.pid,
    skippedPackets: () => skipped,
    pollCounts: () => {
      // Before it listens tcpdump has no handler yet: SIGUSR1 would end it.
      if (listening && !stopRequested && !exited) signal(child, "SIGUSR1");
      return counts;
    },
  };
}

function signal(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch {
    // Already exited.
  }
}

function checkInteger(
  name: string,
  value: number,
  min: number,
  max: number,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot start tcpdump: ${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
}

/** Text that keeps its first and last `keepChars` characters and drops the middle. */
class BoundedText {
  readonly #keepChars: number;
  #head = "";
  #tail = "";
  #dropped = false;

  constructor(keepChars: number) {
    this.#keepChars = keepChars;
  }

  append(text: string): void {
    if (this.#head.length < this.#keepChars) {
      const room = this.#keepChars - this.#head.length;
      this.#head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text === "") return;
    this.#tail += text;
    if (this.#tail.length > this.#keepChars) {
      this.#tail = this.#tail.slice(-this.#keepChars);
      this.#dropped = true;
    }
  }

  text(): string {
    return this.#dropped
      ? `${this.#head}\n[…]\n${this.#tail}`
      : this.#head + this.#tail;
  }
}
