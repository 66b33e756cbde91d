/**
 * Command-line plumbing shared by the commands: usage errors, flag value
 * parsing, stdout lines.
 *
 * @module
 */

import type { CaptureOutput } from "../../capture/live_capture.ts";
import { MAX_BUFFER_KIB, MAX_SNAP_LENGTH } from "../../capture/tcpdump.ts";
import { resolve } from "node:path";
import { CidrSet } from "../../detectors/cidr.ts";
import { JsonBytes } from "../json_bytes.ts";
import {
  OutputClosedError,
  writeAll,
  writeAllSync,
} from "../../capture/write_all.ts";

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  /** An error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Refuses more than one writer of stdout: `writers` maps each option that
 * would write there ("--json", "--eve -", "-w -") to whether it was given.
 * Mixed, neither output is readable.
 */
export function oneStdoutWriter(writers: Record<string, boolean>): void {
  const given = Object.keys(writers).filter((option) => writers[option]);
  if (given.length > 1) {
    throw new UsageError(
      `${given.join(" and ")} ${
        given.length === 2 ? "both" : "all"
      } want stdout; pick one`,
    );
  }
}

/** Parses a positive whole number flag value, at most `max` (undefined stays undefined). */
export function positiveInteger(
  name: string,
  value: string | undefined,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  // Digits only: Number() would also take "", "0x10" and "1e4".
  const number = /^\d{1,16}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number <= 0 || number > max) {
    throw new UsageError(
      max === Number.MAX_SAFE_INTEGER
        ? `${name} must be a positive whole number, got "${value}"`
        : `${name} must be a whole number from 1 to ${max}, got "${value}"`,
    );
  }
  return number;
}

/** Live capture settings given by flags: only the ones set. */
export interface CaptureFlags {
  snapLength?: number;
  bufferKib?: number;
  output?: CaptureOutput;
}

/** Parses `-s/--snaplen`, `-B/--buffer` (within tcpdump's limits) and `--tcpdump-output`, for `capture` and `serve`. */
export function captureFlags(
  values: { snaplen?: string; buffer?: string; "tcpdump-output"?: string },
): CaptureFlags {
  const output = values["tcpdump-output"];
  if (output !== undefined && output !== "ring" && output !== "pipe") {
    throw new UsageError(
      `--tcpdump-output must be ring or pipe, got "${output}"`,
    );
  }
  // "-s 0" is tcpdump's way to say the largest (262144).
  let snapLength: number | undefined;
  try {
    snapLength = values.snaplen?.trim() === "0"
      ? MAX_SNAP_LENGTH
      : positiveInteger("--snaplen", values.snaplen, MAX_SNAP_LENGTH);
  } catch {
    throw new UsageError(
      `--snaplen must be a whole number from 0 to ${MAX_SNAP_LENGTH} (0: ${MAX_SNAP_LENGTH}), got "${values.snaplen}"`,
    );
  }
  const bufferKib = positiveInteger("--buffer", values.buffer, MAX_BUFFER_KIB);
  return {
    ...(snapLength !== undefined ? { snapLength } : {}),
    ...(bufferKib !== undefined ? { bufferKib } : {}),
    ...(output !== undefined ? { output } : {}),
  };
}

/** Runs a `parseArgs` call, turning its errors into usage errors. */
export function parse<T>(parseCall: () => T): T {
  try {
    return parseCall();
  } catch (error) {
    // node:util's messages may run to three lines ("argument is ambiguous.
    // Did you forget …? To specify …"): keep the first and the way out.
    const message = error instanceof Error ? error.message : String(error);
    // node:util's own words for these are long, and unbalanced in quotes.
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    if (unknown) {
      throw new UsageError(
        `unknown option ${
          unknown[1]
        } (a BPF filter word starting with "-" goes after --)`,
      );
    }
    const ambiguous = /^Option '([^']*)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const forms = /use '([^']*)'(?: or '([^']*)')?/.exec(message);
      throw new UsageError(
        `${ambiguous[1]} needs a value${
          forms
            ? ` (one starting with "-" is written ${forms[1]}${
              forms[2] ? ` or ${forms[2]}` : ""
            })`
            : ""
        }`,
      );
    }
    const lines = message.split("\n").map((line) => line.trim())
      .filter(Boolean);
    throw new UsageError(lines.join(" "));
  }
}

/** Splits repeated, comma-separated CIDR flags (`flag`, for errors) into one list; a bad CIDR is a usage error. */
export function cidrList(
  flag: string,
  values: string[] | undefined,
): string[] | undefined {
  if (values === undefined) return undefined;
  const cidrs = values.flatMap((v) => v.split(",")).map((v) => v.trim())
    .filter(Boolean);
  // An empty value (a shell variable not set) would leave the default.
  if (cidrs.length === 0) throw new UsageError(`${flag} needs CIDRs, got ""`);
  try {
    new CidrSet(cidrs);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
  return cidrs;
}

/** Writes one line to stdout; {@linkcode OutputClosedError} when stdout's reader has gone. */
export async function writeLine(line: string): Promise<void> {
  await writeAll(Deno.stdout, new TextEncoder().encode(line + "\n"));
}

/**
 * Buffers stdout lines and writes them in large blocks. Once stdout's
 * reader has gone, the write that found it out throws
 * {@linkcode OutputClosedError}, later lines are dropped and
 * {@linkcode LineWriter.closed} is true.
 */
export class LineWriter {
  /**
   * Queued lines as UTF-8, each with its newline (no string of them all); a
   * line may be written here directly, then ended with {@linkcode endLine}.
   */
  readonly out = new JsonBytes();
  #closed = false;

  /** Whether stdout's reader has gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues one line. */
  push = (line: string): void => {
    this.out.utf8(line);
    this.endLine();
  };

  /** Ends the line written into `out`: a newline, and out to stdout once enough are queued. */
  endLine(): void {
    const out = this.out;
    if (this.#closed) {
      out.length = 0;
      return;
    }
    out.byte(NEWLINE);
    if (out.length >= 1 << 16) this.flush();
  }

  /** Writes the queued lines. */
  flush(): void {
    const out = this.out;
    if (out.length === 0) return;
    const bytes = out.bytes.subarray(0, out.length);
    out.length = 0;
    try {
      writeAllSync(Deno.stdout, bytes);
    } catch (error) {
      if (error instanceof OutputClosedError) this.#closed = true;
      throw error;
    }
  }
}

const NEWLINE = 0x0a;

/** The one value of a flag that may be given once (`multiple` in parseArgs, so that a second is seen): undefined when absent. */
export function onceOnly(
  name: string,
  values: string[] | undefined,
  why: string,
): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) {
    throw new UsageError(
      `${name} may be given once, got ${
        values.map((value) => `"${value}"`).join(" and ")
      } (${why})`,
    );
  }
  return values[0];
}

/** `value` of flag `name`, refused when empty (a path flag given "" would mean the current or root directory). */
export function nonEmpty(
  name: string,
  value: string | undefined,
  what = "a path",
): string | undefined {
  if (value !== undefined && value.trim() === "") {
    throw new UsageError(`${name} needs ${what}, got ""`);
  }
  return value;
}

/**
 * Throws a {@linkcode UsageError} when two of `paths` (by flag, "-" and
 * undefined skipped) name one file: by their resolved paths, or, for files
 * that exist, by device and inode (a link, another spelling). Writing a
 * capture's EVE into the capture itself would corrupt it.
 */
export async function refuseSameFile(
  paths: Record<string, string | undefined>,
): Promise<void> {
  const named = Object.entries(paths).filter((entry): entry is [
    string,
    string,
  ] => entry[1] !== undefined && entry[1] !== "-");
  const identities = await Promise.all(
    named.map(async ([, path]) => {
      const info = await Deno.stat(path).catch(() => undefined);
      const inode = info?.ino ?? null;
      return inode !== null ? `${info!.dev}:${inode}` : resolve(path);
    }),
  );
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      // (A path that is not there is its resolved path.)
      if (identities[i] === identities[j]) {
        throw new UsageError(
          `${named[i]![0]} and ${named[j]![0]} name one file, "${
            named[j]![1]
          }": one would overwrite the other`,
        );
      }
    }
  }
}
