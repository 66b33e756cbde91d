/**
 * Checks BPF expressions with libpcap's own compiler (`tcpdump -d`), so an
 * expression is valid exactly when tcpdump would accept it. Needs no
 * privileges and opens no interface.
 *
 * @module
 */

import {
  classifyTcpdumpStderr,
  TcpdumpError,
  type TcpdumpErrorContext,
  tcpdumpNotInstalled,
} from "./tcpdump_errors.ts";

/** How long `tcpdump -d` may take (a host name in the filter is resolved), in milliseconds. */
export const VALIDATE_TIMEOUT_MS = 10_000;

/**
 * Longest filter checked, in characters: libpcap's optimizer takes time
 * and memory that grow fast with the terms (600 "or port N" terms, 7 KB:
 * a full core and 150 MB for over 10 s), and a real filter is far shorter.
 */
export const MAX_FILTER_LENGTH = 4096;

/** The "bad_filter" error of a filter longer than {@linkcode MAX_FILTER_LENGTH}, or undefined: checked before tcpdump is asked. */
export function filterLengthError(filter: string): TcpdumpError | undefined {
  if (filter.length <= MAX_FILTER_LENGTH) return undefined;
  return new TcpdumpError(
    "bad_filter",
    `BPF filter too long: ${filter.length} characters, at most ${MAX_FILTER_LENGTH}`,
    "",
  );
}

/** The check running now: checks run one at a time (each may take a core for 10 s). */
let running: Promise<unknown> = Promise.resolve();

/**
 * Resolves if `filter` compiles for `linkType` (a DLT name as in
 * `tcpdump -L`; Ethernet by default, which loopback uses too); throws
 * `TcpdumpError` "bad_filter" with tcpdump's reason otherwise,
 * "not_installed" when there is no tcpdump, and "failed" for an unknown
 * link type.
 */
export function validateFilter(
  filter: string,
  tcpdumpPath = "tcpdump",
  linkType = "EN10MB",
): Promise<void> {
  const tooLong = filterLengthError(filter);
  if (tooLong !== undefined) return Promise.reject(tooLong);
  // One at a time: many requests at once wait in line rather than start a
  // compiler each, which would take every core and gigabytes.
  const check = running.then(() =>
    compileFilter(filter, tcpdumpPath, linkType)
  );
  running = check.catch(() => {});
  return check;
}

async function compileFilter(
  filter: string,
  tcpdumpPath: string,
  linkType: string,
): Promise<void> {
  const context: TcpdumpErrorContext = { filter };
  if (filter.includes("\0")) {
    throw new TcpdumpError(
      "bad_filter",
      `Bad BPF filter "${filter.replaceAll("\0", "\\0")}": contains a NUL byte`,
      "",
    );
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tcpdumpPath, {
      // "--" ends the options: a filter starting with "-" stays a filter.
      args: ["-d", "-y", linkType, "--", filter],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw tcpdumpNotInstalled(tcpdumpPath, "validate a BPF filter");
    }
    throw error;
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // It has just exited.
    }
  }, VALIDATE_TIMEOUT_MS);
  let status: Deno.CommandStatus;
  let stderr: string;
  try {
    [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
    ]);
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    throw new TcpdumpError(
      "bad_filter",
      `Bad BPF filter "${filter}": tcpdump took longer than ${
        VALIDATE_TIMEOUT_MS / 1000
      } s to compile it (a host name that does not resolve, or more terms than libpcap's optimizer gets through?)`,
      stderr,
    );
  }
  if (!status.success) throw classifyTcpdumpStderr(stderr, context);
}
