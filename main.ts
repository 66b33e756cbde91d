/**
 * NetMirror command line: wiring only. Each command parses its arguments,
 * connects a packet source to its output, and maps errors to exit codes
 * (0 ok, 1 runtime failure, 2 usage error).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AnomalyCounter } from "./capture/anomalies.ts";
import { killAllCaptures, setExitOnSignal } from "./capture/child_registry.ts";
import { formatPacketJson, formatPacketLine } from "./capture/format_packet.ts";
import { listInterfaces } from "./capture/interfaces.ts";
import {
  capturePackets,
  type LiveCaptureResult,
  readPacketFile,
} from "./capture/packet_source.ts";
import { CaptureFormatError } from "./capture/pcap_reader.ts";
import { CaptureSummary } from "./capture/summary.ts";
import { filterArgs } from "./capture/tcpdump.ts";
import { TcpdumpError } from "./capture/tcpdump_errors.ts";
import { formatSummary } from "./capture/format_summary.ts";
import { ProgressLine } from "./capture/progress_line.ts";
import { DemoTraffic } from "./server/demo/mod.ts";
import { type StartOptions, startServer } from "./server/mod.ts";
import { SensorError } from "./server/session_errors.ts";
import { loadUiAssets } from "./server/ui_assets.ts";

/** The version printed by `--version`. */
export const VERSION = "0.1.0";

const USAGE = `netmirror ${VERSION}: a network sensor in one binary

Usage:
  netmirror [serve] [-i <iface> | -r <file> | --demo] [bpf…] [options]
                                                start the dashboard and API (default: demo traffic)
  netmirror read <file|-> [bpf…] [--json]       summarise a pcap/pcapng(.gz) file
  netmirror capture -i <iface> [bpf…] [--json]  print live packets until Ctrl-C
  netmirror interfaces [--json]                 list capture interfaces
  netmirror --version | --help

Run "netmirror <command> --help" for a command's options.`;

const READ_USAGE = `Usage: netmirror read <file|-> [bpf…] [options]

Reads a pcap or pcapng capture (gzip-compressed too; "-" reads stdin),
decodes every packet and prints a summary: packets, bytes, duration, link
types, protocol counts and decode anomalies. A BPF expression after the file
keeps only matching packets (applied by "tcpdump -r - -w - <bpf>").

Options:
  --json        print one JSON packet record per line (NDJSON) instead
  --no-progress never show the progress line (shown on a terminal by default)
  -h, --help    show this help`;

const CAPTURE_USAGE = `Usage: netmirror capture -i <iface> [bpf…] [options]

Captures live with tcpdump and prints one line per packet until Ctrl-C,
then tcpdump's counts (captured, dropped by the kernel).

Options:
  -i, --interface <name>  interface to capture on ("any" for all; see "netmirror interfaces")
  -s, --snaplen <bytes>   bytes kept of each packet (default 262144)
  -B, --buffer <KiB>      kernel capture buffer size
  -c, --count <n>         stop after n packets
  --json                  print NDJSON packet records instead of text
  -h, --help              show this help

Needs root, or tcpdump with capabilities:
  setcap cap_net_raw,cap_net_admin+eip $(which tcpdump)`;

const SERVE_USAGE =
  `Usage: netmirror [serve] [-i <iface> | -r <file> | --demo | --idle] [bpf…] [options]

Starts the dashboard and API (http://127.0.0.1:5000 by default) and a first
capture: live on an interface (-i), a replay of a capture file (-r), or the
built-in demo traffic (the default).

Options:
  -i, --interface <name>  capture live on this interface (needs tcpdump and capture rights)
  -r, --read <file>       replay a pcap/pcapng(.gz) file through the pipeline
  --demo                  simulated office traffic with attacks (the default)
  --idle                  start no capture; start one from the dashboard
  --bind <address>        address to listen on (default 127.0.0.1)
  -p, --port <port>       port (default 5000)
  --token <token>         API token; required off loopback (a random one is printed if absent)
  --data-dir <dir>        where session PCAPs are written (default ./netmirror-data)
  --home-net <cidrs>      comma-separated home network CIDRs (default RFC 1918 + ULA)
  -h, --help              show this help

Stream events with: curl -N http://127.0.0.1:5000/api/stream`;

const INTERFACES_USAGE = `Usage: netmirror interfaces [--json]

Lists the interfaces tcpdump can capture on, with state and addresses.`;

/** A command-line mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

function positiveInteger(
  name: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new UsageError(
      `${name} must be a positive whole number, got "${value}"`,
    );
  }
  return number;
}

/** Runs a `parseArgs` call, turning its errors into usage errors. */
function parse<T>(parseCall: () => T): T {
  try {
    return parseCall();
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? error.message : String(error),
    );
  }
}

async function writeLine(line: string): Promise<void> {
  await Deno.stdout.write(new TextEncoder().encode(line + "\n"));
}

/** Buffers stdout lines and writes them in large blocks. */
class LineWriter {
  readonly #encoder = new TextEncoder();
  #lines: string[] = [];
  #size = 0;

  push(line: string): void {
    this.#lines.push(line);
    this.#size += line.length + 1;
    if (this.#size >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.#lines.length === 0) return;
    const bytes = this.#encoder.encode(this.#lines.join("\n") + "\n");
    this.#lines = [];
    this.#size = 0;
    let written = 0;
    while (written < bytes.length) {
      written += Deno.stdout.writeSync(bytes.subarray(written));
    }
  }
}

async function readCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        "no-progress": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(READ_USAGE);
    return 0;
  }
  const [path, ...bpf] = positionals;
  if (path === undefined) {
    throw new UsageError("read needs a capture file (or - for stdin)");
  }
  const anomalies = new AnomalyCounter();
  const summary = new CaptureSummary();
  const out = new LineWriter();
  const showProgress = !values["no-progress"] && Deno.stderr.isTerminal();
  const total = showProgress && path !== "-"
    ? (await Deno.stat(path).catch(() => undefined))?.size
    : undefined;
  const progress = showProgress ? new ProgressLine(total) : undefined;
  const started = performance.now();
  let failure: unknown;
  let result;
  try {
    result = await readPacketFile(path, (packet) => {
      summary.add(packet);
      if (values.json) out.push(formatPacketJson(packet));
    }, {
      filter: filterArgs(bpf),
      anomalies,
      ...(progress
        ? {
          onProgress: (bytes: number) =>
            progress.update(bytes, summary.packets),
        }
        : {}),
    });
  } catch (error) {
    if (!(error instanceof CaptureFormatError)) throw error;
    failure = error; // print what was read before the damage, then fail
  } finally {
    progress?.clear();
    out.flush();
  }
  if (!values.json) {
    const seconds = (performance.now() - started) / 1000;
    await writeLine(formatSummary({
      path,
      summary: summary.toJSON(),
      anomalies: anomalies.toJSON(),
      format: result?.format,
      gzip: result?.gzip ?? false,
      filter: filterArgs(bpf),
      elapsedSeconds: seconds,
    }));
  }
  if (failure) throw failure;
  return 0;
}

async function captureCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        interface: { type: "string", short: "i" },
        snaplen: { type: "string", short: "s" },
        buffer: { type: "string", short: "B" },
        count: { type: "string", short: "c" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(CAPTURE_USAGE);
    return 0;
  }
  if (!values.interface) {
    throw new UsageError(
      'capture needs an interface: -i <name> (see "netmirror interfaces")',
    );
  }
  const snapLength = positiveInteger("--snaplen", values.snaplen);
  const bufferKib = positiveInteger("--buffer", values.buffer);
  const count = positiveInteger("--count", values.count);
  const out = new LineWriter();
  let seen = 0;
  let flushTimer: ReturnType<typeof setInterval> | undefined;
  const live = capturePackets({
    iface: values.interface,
    filter: filterArgs(positionals),
    ...(snapLength ? { snapLength } : {}),
    ...(bufferKib ? { bufferKib } : {}),
  }, (packet) => {
    if (count !== undefined && seen >= count) return;
    seen++;
    out.push(values.json ? formatPacketJson(packet) : formatPacketLine(packet));
    if (count !== undefined && seen >= count) void live.stop();
  });
  const stopOnSignal = () => void live.stop();
  Deno.addSignalListener("SIGINT", stopOnSignal);
  Deno.addSignalListener("SIGTERM", stopOnSignal);
  try {
    await live.ready;
    console.error(
      `netmirror: capturing on ${values.interface}${
        positionals.length ? ` (filter: ${filterArgs(positionals)})` : ""
      }; Ctrl-C stops`,
    );
    flushTimer = setInterval(() => out.flush(), 100);
    const result: LiveCaptureResult = await live.done;
    out.flush();
    const t = result.tcpdump;
    console.error(
      `netmirror: ${result.packets} packets decoded; tcpdump: ${t.captured} captured, ${t.receivedByFilter} received by filter, ${t.droppedByKernel} dropped by kernel`,
    );
  } finally {
    clearInterval(flushTimer);
    Deno.removeSignalListener("SIGINT", stopOnSignal);
    Deno.removeSignalListener("SIGTERM", stopOnSignal);
    await live.stop().catch(() => {});
  }
  return 0;
}

async function interfacesCommand(args: string[]): Promise<number> {
  const { values } = parse(() =>
    parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(INTERFACES_USAGE);
    return 0;
  }
  const interfaces = await listInterfaces();
  if (values.json) {
    await writeLine(JSON.stringify(interfaces, null, 2));
    return 0;
  }
  for (const nic of interfaces) {
    const state = [nic.up ? "up" : "down", nic.running ? "running" : ""]
      .filter(Boolean).join(",");
    const addresses = nic.addresses.join(" ");
    await writeLine(
      `${nic.name.padEnd(12)} ${state.padEnd(12)} ${addresses}${
        nic.description ? `  (${nic.description})` : ""
      }`,
    );
  }
  return 0;
}

async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        interface: { type: "string", short: "i" },
        read: { type: "string", short: "r" },
        demo: { type: "boolean" },
        idle: { type: "boolean" },
        bind: { type: "string" },
        port: { type: "string", short: "p" },
        token: { type: "string" },
        "data-dir": { type: "string" },
        "home-net": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(SERVE_USAGE);
    return 0;
  }
  const chosen = [values.interface, values.read, values.demo, values.idle]
    .filter((v) => v !== undefined && v !== false).length;
  if (chosen > 1) {
    throw new UsageError("choose one of -i, -r, --demo and --idle");
  }
  const port = values.port === undefined ? 5000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be 0-65535, got "${values.port}"`);
  }
  const filter = filterArgs(positionals);
  const homeNet = (values["home-net"] ?? []).flatMap((v) => v.split(","))
    .map((v) => v.trim()).filter(Boolean);
  const start: StartOptions | undefined = values.idle
    ? undefined
    : values.interface !== undefined
    ? { mode: "live", interface: values.interface, filter }
    : values.read !== undefined
    ? { mode: "replay", file: values.read, filter }
    : { mode: "demo" };
  if (start?.mode === "demo" && filter !== "") {
    throw new UsageError(
      "a BPF filter needs -i or -r (demo traffic is not filtered)",
    );
  }
  const ui = await loadUiAssets();
  const server = await startServer({
    hostname: values.bind ?? "127.0.0.1",
    port,
    ...(values.token !== undefined ? { token: values.token } : {}),
    dataDir: values["data-dir"] ?? "netmirror-data",
    ...(homeNet.length ? { engine: { homeNet } } : {}),
    sensor: { createDemo: (startUs) => new DemoTraffic({ startUs }) },
    ...(start ? { start } : {}),
    ...(ui ? { ui } : {}),
    version: VERSION,
  });
  const tokenQuery = server.token ? `?token=${server.token}` : "";
  console.error(`netmirror: dashboard at ${server.url}/${tokenQuery}`);
  if (server.token) console.error(`netmirror: API token ${server.token}`);
  console.error(
    `netmirror: ${
      start ? describeStart(start) : "no capture yet"
    }; stream: curl -N ${server.url}/api/stream${tokenQuery}; Ctrl-C stops`,
  );
  const { promise, resolve } = Promise.withResolvers<void>();
  const stop = () => resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    await promise;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await server.close();
  }
  return 0;
}

function describeStart(start: StartOptions): string {
  switch (start.mode) {
    case "live":
      return `capturing on ${start.interface}`;
    case "replay":
      return `replaying ${start.file}`;
    case "demo":
      return "demo traffic";
  }
}

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
      case "--version":
      case "-V":
        await writeLine(`netmirror ${VERSION}`);
        return 0;
      case "serve":
        return await serveCommand(rest);
      case undefined:
        return await serveCommand([]);
      case "help":
      case "--help":
      case "-h":
        await writeLine(USAGE);
        return 0;
      default:
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
  if (error instanceof UsageError) {
    console.error(`${prefix}: ${error.message}; see --help`);
    return 2;
  }
  if (
    error instanceof CaptureFormatError || error instanceof TcpdumpError ||
    error instanceof SensorError || error instanceof Deno.errors.AddrInUse ||
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable
  ) {
    console.error(`${prefix}: ${(error as Error).message}`);
    return 1;
  }
  console.error(`${prefix}: unexpected error:`, error);
  return 1;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  await killAllCaptures();
  Deno.exit(code);
}
