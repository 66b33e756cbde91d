/**
 * Turns tcpdump's stderr into one clear, one-line error that callers can
 * branch on by `code`.
 *
 * @module
 */

import { CaptureFormatError } from "./pcap_reader.ts";

/** Why tcpdump could not do what was asked. */
export type TcpdumpErrorCode =
  | "bad_filter"
  | "no_such_device"
  | "interface_down"
  | "permission_denied"
  | "not_installed"
  | "failed";

/** A tcpdump failure: a one-line `message`, a `code`, and tcpdump's own stderr. */
export class TcpdumpError extends Error {
  /** What kind of failure this is. */
  readonly code: TcpdumpErrorCode;
  /** tcpdump's stderr (bounded), for logs and debugging; may be empty. */
  readonly stderr: string;

  /** Creates an error; `message` is shown to users as is. */
  constructor(code: TcpdumpErrorCode, message: string, stderr: string) {
    super(message);
    this.name = "TcpdumpError";
    this.code = code;
    this.stderr = stderr;
  }
}

/**
 * tcpdump's file ring could not be used: its directory could not be made,
 * or tcpdump could not write there. Not a capture permission: the capture
 * itself works through a pipe.
 */
export class RingError extends TcpdumpError {
  /** The reason, one line (e.g. tcpdump's "…/ring.pcap00: Permission denied"). */
  readonly detail: string;

  /** An error whose `message` is shown as is; `detail` is the bare reason. */
  constructor(message: string, detail: string, stderr = "") {
    super("failed", message, stderr);
    this.name = "RingError";
    this.detail = detail;
  }
}

/** What the failing tcpdump was asked to do, for the message. */
export interface TcpdumpErrorContext {
  /** The BPF expression passed to tcpdump, if any. */
  filter?: string;
  /** The interface passed to tcpdump (`-i`), if any. */
  iface?: string;
  /** The capture file tcpdump reads (`-r`, "-" for stdin), if any. */
  file?: string;
}

/** The fix for a capture permission error, shown to users. */
export const PERMISSION_HINT =
  "run as root or setcap cap_net_raw,cap_net_admin+eip $(which tcpdump)";

// libpcap: "You don't have permission to capture on that device" (1.9) and
// "You don't have permission to perform this capture on that device" (1.10).
const PERMISSION_REGEXP =
  /You don't have permission to (?:perform this )?capture on that device|Operation not permitted|Permission denied|Attempt to create packet socket failed/i;
const NO_DEVICE_REGEXP =
  /No such device(?: exists)?|Invalid adapter index|no suitable device found/i;
const DEVICE_DOWN_REGEXP = /That device is not up/i;
const SYNTAX_REGEXP = /can't parse filter expression: (.*)$/;
// tcpdump's own option checks, made before it opens a device.
const OPTION_REGEXP =
  /^invalid (?:snaplen|packet buffer size|data link type|number of packets|packet count)\b/;
// Errors of libpcap's filter compiler (gencode.c, nametoaddr.c) other than
// syntax errors, which only a capture with a filter can produce.
const COMPILE_REGEXP =
  /syntax error|illegal|unknown (?:host|ether host|network|port|protocol|osi proto)|rejects all packets|mask length|non-network bits|not supported|supported only|no (?:VLAN|MPLS) support|port range|modifier applied|wrong context|qualifier|bogus|too many registers|expression too complex/i;
// tcpdump's banner once it has opened a capture file (-r), before it
// compiles the filter: "reading from file -, link-type RAW (Raw IP), …".
const READING_REGEXP = /^reading from file .*?, link-type ([^,]+)/;
// A capture file that tcpdump opened but could not read to the end.
const LOOP_REGEXP = /^pcap_loop: (.+)$/;
// libpcap reads one link type per pcapng file (sf-pcapng.c).
const MIXED_LINK_TYPES_REGEXP =
  /different from the type of the first interface/;
// tcpdump's "tcpdump: <device>: <error>" prefix.
const DEVICE_PREFIX_REGEXP = /^([^\s:]+): (.+)$/;

/**
 * Classifies tcpdump's stderr (from a failed run) into a `TcpdumpError` with
 * a one-line message, e.g. `Bad BPF filter "tcp prot 80": syntax error`,
 * `No such interface "nope0"` or `No permission to capture on "eth0": …`.
 * With a filter but neither interface nor file (`tcpdump -d`), any error is
 * a filter error; otherwise only the filter compiler's errors are.
 */
export function classifyTcpdumpStderr(
  stderr: string,
  context: TcpdumpErrorContext,
): TcpdumpError {
  const lines = errorLines(stderr);
  const all = lines.join("\n");
  const detail = lines.find((line) => !line.startsWith("(")) ?? lines[0] ?? "";
  const filter = context.filter ?? "";
  const iface = context.iface ?? deviceOf(detail) ?? "";

  if (detail === "") {
    return new TcpdumpError(
      "failed",
      "tcpdump failed without an error message",
      stderr,
    );
  }
  if (OPTION_REGEXP.test(detail)) {
    return new TcpdumpError(
      "failed",
      `Invalid tcpdump option: ${detail}`,
      stderr,
    );
  }
  const syntax = SYNTAX_REGEXP.exec(detail);
  if (syntax) {
    return badFilter(filter, syntax[1] ?? "syntax error", stderr);
  }
  if (PERMISSION_REGEXP.test(all)) {
    return new TcpdumpError(
      "permission_denied",
      `No permission to capture on "${iface}": ${PERMISSION_HINT}`,
      stderr,
    );
  }
  if (NO_DEVICE_REGEXP.test(all)) {
    return new TcpdumpError(
      "no_such_device",
      `No such interface "${iface}"`,
      stderr,
    );
  }
  if (DEVICE_DOWN_REGEXP.test(all)) {
    return new TcpdumpError(
      "interface_down",
      `Interface "${iface}" is down: bring it up (ip link set ${iface} up) or pick another`,
      stderr,
    );
  }
  const filtering = filter !== "";
  const compiling = context.iface === undefined && context.file === undefined;
  if (filtering && (compiling || COMPILE_REGEXP.test(detail))) {
    // From a file, the filter was compiled for the file's link type.
    const linkType = context.file === undefined
      ? undefined
      : READING_REGEXP.exec(readingLine(stderr) ?? "")?.[1];
    return badFilter(filter, withoutDevice(detail, iface), stderr, linkType);
  }
  const where = context.iface === undefined ? "" : ` on "${context.iface}"`;
  return new TcpdumpError(
    "failed",
    `tcpdump failed${where}: ${withoutDevice(detail, iface)}`,
    stderr,
  );
}

/**
 * Classifies the stderr of a failed `tcpdump -r <file> … <filter>` (a
 * capture read to be filtered). A capture tcpdump could not open, or
 * stopped reading at damage, gives a `CaptureFormatError` with tcpdump's
 * reason, as the same capture read without a filter would; a filter that
 * does not compile for the capture's link type a "bad_filter"
 * `TcpdumpError`; anything else is classified by
 * {@linkcode classifyTcpdumpStderr}.
 */
export function classifyTcpdumpReadStderr(
  stderr: string,
  context: TcpdumpErrorContext & { file: string },
): TcpdumpError | CaptureFormatError {
  const lines = errorLines(stderr);
  const syntax = lines.some((line) => SYNTAX_REGEXP.test(line));
  const loop = lines.map((line) => LOOP_REGEXP.exec(line)?.[1])
    .find((reason) => reason !== undefined);
  const detail = lines.find((line) => !line.startsWith("(")) ?? lines[0] ??
    "";
  // No banner: tcpdump could not open the capture (libpcap's savefile
  // errors: "unknown file format", "truncated dump file; …").
  const unopened = readingLine(stderr) === undefined && detail !== "" &&
    !OPTION_REGEXP.test(detail) && !COMPILE_REGEXP.test(detail);
  const reason = syntax ? undefined : loop ?? (unopened ? detail : undefined);
  if (reason === undefined) return classifyTcpdumpStderr(stderr, context);
  const hint = MIXED_LINK_TYPES_REGEXP.test(reason)
    ? "tcpdump, applying the filter, takes one link type per capture: read it without a filter for the rest"
    : "tcpdump, applying the filter";
  return new CaptureFormatError(`Cannot parse capture: ${reason} (${hint})`);
}

/** The error for a tcpdump binary that cannot be found; `purpose` completes "Cannot …". */
export function tcpdumpNotInstalled(
  tcpdumpPath: string,
  purpose: string,
): TcpdumpError {
  return new TcpdumpError(
    "not_installed",
    `Cannot ${purpose}: tcpdump is not installed (looked for "${tcpdumpPath}"; apt-get install tcpdump)`,
    "",
  );
}

function badFilter(
  filter: string,
  detail: string,
  stderr: string,
  linkType?: string,
): TcpdumpError {
  const forLinkType = linkType === undefined
    ? ""
    : ` for link type ${linkType}`;
  return new TcpdumpError(
    "bad_filter",
    `Bad BPF filter "${filter}"${forLinkType}: ${detail}`,
    stderr,
  );
}

/** Lines of tcpdump's stderr that can explain a failure, without the "tcpdump: " prefix. */
function errorLines(stderr: string): string[] {
  return stderr.split(/\r?\n/)
    .map((line) => line.replace(/^tcpdump: /, "").trim())
    .filter((line) =>
      line !== "" &&
      !line.startsWith("Warning: assuming Ethernet") &&
      // Printed before a filter error when capturing, e.g. on "any".
      !line.startsWith("data link type ") &&
      !line.startsWith("listening on ") &&
      !READING_REGEXP.test(line) &&
      !/^\d+ packets? (?:captured|received by filter|dropped by)/.test(line)
    );
}

/** tcpdump's "reading from file …" banner, if it opened a capture file. */
function readingLine(stderr: string): string | undefined {
  return stderr.split(/\r?\n/)
    .map((line) => line.replace(/^tcpdump: /, "").trim())
    .find((line) => READING_REGEXP.test(line));
}

function deviceOf(detail: string): string | undefined {
  const match = DEVICE_PREFIX_REGEXP.exec(detail);
  return match && !/\s/.test(match[1] ?? " ") ? match[1] : undefined;
}

function withoutDevice(detail: string, iface: string): string {
  return iface !== "" && detail.startsWith(`${iface}: `)
    ? detail.slice(iface.length + 2)
    : detail;
}
