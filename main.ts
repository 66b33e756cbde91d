/**
 * NetMirror command line: dispatch only. Each command (server/cli/) parses
 * its arguments and wires a packet source to its outputs; errors map to
 * exit codes here (0 ok, 1 runtime failure, 2 usage or config error).
 *
 * @module
 */

import { killAllCaptures, setExitOnSignal } from "./capture/child_registry.ts";
import { CaptureFormatError } from "./capture/pcap_reader.ts";
import { TcpdumpError } from "./capture/tcpdump_errors.ts";
import { OutputClosedError } from "./capture/write_all.ts";
import { UsageError, writeLine } from "./server/cli/args.ts";
import { withPermissionHint } from "./server/permission_hint.ts";
import { captureCommand } from "./server/cli/capture_command.ts";
import { interfacesCommand } from "./server/cli/interfaces_command.ts";
import { readCommand } from "./server/cli/read_command.ts";
import { serveCommand } from "./server/cli/serve_command.ts";
import { ConfigError } from "./server/config/config.ts";
import { ListenError } from "./server/serve.ts";
import { SensorError } from "./server/session_errors.ts";

/** The version printed by `--version`. */
export const VERSION = "0.1.0";

const USAGE = `netmirror ${VERSION}: a network sensor in one binary

Usage:
  netmirror [serve] [-i <iface> | -r <file> | --demo | --idle] [bpf…] [options]
                                          dashboard + API + SSE (default: demo traffic)
  netmirror read <file|-> [bpf…]          summary and alerts of a pcap/pcapng(.gz) file
                                          (--json packets, --eve - EVE NDJSON)
  netmirror capture -i <iface> [bpf…]     print live packets until Ctrl-C (-w file.pcap)
  netmirror interfaces                    list capture interfaces
  netmirror --version | --help

Run "netmirror <command> --help" for a command's options.`;

/** Runs the CLI with `args` and resolves with the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  // Commands stop their captures on SIGINT/SIGTERM themselves (and print
  // tcpdump's counts); the registry still reaps children on exit.
  setExitOnSignal(false);
  try {
    switch (command) {
      case "read":
        return await readCommand(rest);
      case "capture":
        return await captureCommand(rest);
      case "interfaces":
        return await interfacesCommand(rest);
      case "serve":
        return await serveCommand(rest, { version: VERSION });
      case "--version":
      case "-V":
        await writeLine(`netmirror ${VERSION}`);
        return 0;
      case "help":
      case "--help":
      case "-h":
        await writeLine(USAGE);
        return 0;
      default:
        // No command, or serve flags straight away: `netmirror -i eth0`.
        if (command === undefined || command.startsWith("-")) {
          return await serveCommand(args, { version: VERSION });
        }
        throw new UsageError(
          `unknown command "${command}" (commands: serve, read, capture, interfaces)`,
        );
    }
  } catch (error) {
    return reportError(error, command);
  }
}

function reportError(error: unknown, command: string | undefined): number {
  const prefix = command && !command.startsWith("-")
    ? `netmirror ${command}`
    : "netmirror";
  // The reader of our stdout has what it wanted (`netmirror read x --json | head`).
  if (error instanceof OutputClosedError) return 0;
  if (error instanceof UsageError) {
    console.error(`${prefix}: ${oneLine(error.message)}; see --help`);
    return 2;
  }
  if (error instanceof ConfigError) {
    console.error(`${prefix}: ${oneLine(error.message)}`);
    return 2;
  }
  if (
    error instanceof CaptureFormatError || error instanceof TcpdumpError ||
    error instanceof SensorError || error instanceof ListenError ||
    error instanceof Deno.errors.NotCapable || isFileSystemError(error)
  ) {
    // The binary's user cannot add a Deno flag: say what it allows.
    console.error(
      `${prefix}: ${
        oneLine(withPermissionHint(withPathFirst((error as Error).message)))
      }`,
    );
    return 1;
  }
  console.error(`${prefix}: unexpected error:`, error);
  return 1;
}

/**
 * `text` on one line, safe for a terminal: control characters (a newline
 * or an escape sequence in a file name, a filter or a config key) written
 * as escapes.
 */
const UNSAFE_CHARACTERS =
  // deno-lint-ignore no-control-regex -- control characters are the point
  /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function oneLine(text: string): string {
  // C0 and C1 controls, line and paragraph separators, bidi controls.
  return text.replace(UNSAFE_CHARACTERS, (char) => {
    if (char === "\n") return "\\n";
    if (char === "\t") return "\\t";
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * Deno's "No such file or directory (os error 2): open '/x/y.json'" as
 * "Cannot open "/x/y.json": No such file or directory"; other messages as
 * they are.
 */
function withPathFirst(message: string): string {
  const os = /^(.+?) \(os error \d+\): (\w+) '(.*)'$/.exec(message);
  return os ? `Cannot ${os[2]} "${os[3]}": ${os[1]}` : message;
}

/** Errors of a write that the disk refused, which Deno leaves as plain errors with an errno code. */
const DISK_ERROR_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EFBIG", "EIO"]);

/** An operating system's answer about a path (missing, a directory, not permitted, …) or a disk (full, read-only): one line says it. */
function isFileSystemError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && DISK_ERROR_CODES.has(code)) return true;
  return error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.IsADirectory ||
    error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.AlreadyExists ||
    error instanceof Deno.errors.FilesystemLoop;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  await killAllCaptures();
  Deno.exit(code);
}
