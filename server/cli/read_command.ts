/**
 * `netmirror read <file|-> [bpf…]`: decode a capture file, run the analysis
 * engine, print a summary with the alerts, NDJSON packet records (--json) or
 * EVE records (--eve).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AnomalyCounter } from "../../capture/anomalies.ts";
import {
  onStopSignals,
  signalExitCode,
  type StopSignal,
} from "../../capture/child_registry.ts";
import { writePacketLine } from "./packet_json.ts";
import { formatSummary } from "../../capture/format_summary.ts";
import { readPacketFile } from "../../capture/packet_source.ts";
import {
  CaptureFormatError,
  namingCapture,
} from "../../capture/pcap_reader.ts";
import { ProgressLine } from "../../capture/progress_line.ts";
import {
  sniffCaptureFormat,
  type SniffedFormat,
} from "../../capture/read_capture.ts";
import { CaptureSummary } from "../../capture/summary.ts";
import { filterArgs } from "../../capture/tcpdump.ts";
import { OutputClosedError } from "../../capture/write_all.ts";
import { AnalysisEngine } from "../../detectors/engine.ts";
import { EngineFeed } from "../../detectors/engine_feed.ts";
import { engineConfigOf } from "../config/config.ts";
import {
  LineWriter,
  oneStdoutWriter,
  parse,
  refuseSameFile,
  UsageError,
  writeLine,
} from "./args.ts";
import { commandConfig, openEve, printConfig } from "./command_config.ts";
import { formatAlertLines } from "./format_alerts.ts";
import { formatTrafficLines } from "./format_traffic.ts";

/** `netmirror read --help`. */
export const READ_USAGE = `Usage: netmirror read <file|-> [bpf…] [options]

Reads a pcap or pcapng capture (gzip-compressed too; "-" reads stdin),
decodes every packet, runs every detector and prints a summary: packets,
bytes, duration, link types, tunnels, protocol counts, decode anomalies,
services, top talkers and conversations, latency and alerts.
A BPF expression after the file keeps only matching packets (applied by
"tcpdump -r - -w - <bpf>"). Ctrl-C stops early: what was read is still
analysed, written and summarised (exit code 130).

Options:
  --json              print one JSON packet record per line (NDJSON) instead
  --eve <path|->      write EVE NDJSON (alert, flow, dns, http, tls, arp, stats); with "-"
                      the summary goes to stderr:  netmirror read x.pcap --eve - | jq
  --config <file>     netmirror.json: thresholds, home net, allowlists
  --print-config      print the effective configuration (defaults included) and exit
  --home-net <cidrs>  comma-separated home network CIDRs (default RFC 1918 + ULA)
  --no-progress       never show the progress line (shown on a terminal by default)
  -h, --help          show this help`;

/** Runs `read`; resolves with the exit code. */
export async function readCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        eve: { type: "string" },
        config: { type: "string" },
        "print-config": { type: "boolean" },
        "home-net": { type: "string", multiple: true },
        "no-progress": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(READ_USAGE);
    return 0;
  }
  if (values["print-config"]) {
    const { config, evePath } = await commandConfig(values);
    await printConfig(config, evePath);
    return 0;
  }
  const [path, ...bpf] = positionals;
  if (path === undefined || path.trim() === "") {
    throw new UsageError(
      `read needs a capture file (or - for stdin)${
        path === undefined ? "" : ', got ""'
      }`,
    );
  }
  const { config, evePath } = await commandConfig(values);
  oneStdoutWriter({
    "--json": values.json === true,
    "--eve -": evePath === "-",
  });
  await refuseSameFile({ "the capture": path, "--eve": evePath });
  const anomalies = new AnomalyCounter();
  const summary = new CaptureSummary();
  const out = new LineWriter();
  // The file, once: EVE is not opened for one that is not there (its
  // error comes, no empty EVE file), and its size is the progress's total.
  const info = path === "-"
    ? undefined
    : await Deno.stat(path).catch(() => undefined);
  const eveOutput = path === "-" || info !== undefined
    ? openEve(evePath, config)
    : undefined;
  const eve = eveOutput?.logger;
  const engine = new AnalysisEngine(
    { ...engineConfigOf(config), ...WHOLE_CAPTURE },
    eve ? (event) => eve.alert(event) : undefined,
  );
  // EVE sees each packet after the engine, so an alert's record comes first.
  const feed = new EngineFeed(
    engine,
    eve ? (packet) => eve.observe(packet) : undefined,
  );
  // Not while records go to stdout (--json, --eve -): piped to jq, its
  // lines reach the same terminal and the progress line breaks into them.
  const showProgress = !values["no-progress"] && Deno.stderr.isTerminal() &&
    !values.json && evePath !== "-";
  const total = showProgress ? info?.size : undefined;
  const progress = showProgress ? new ProgressLine(total) : undefined;
  const started = performance.now();
  let failure: unknown;
  let result;
  // Ctrl-C (or SIGTERM, SIGHUP) stops the read; what was read is still
  // analysed, written to --eve and summarised. A second one exits at once.
  const interrupt = new AbortController();
  let interruptedBy: StopSignal | undefined;
  const removeStopListeners = onStopSignals((signal) => {
    if (interruptedBy !== undefined) Deno.exit(signalExitCode(signal));
    interruptedBy = signal;
    interrupt.abort(new Error(`read interrupted by ${signal}`));
  });
  try {
    result = await readPacketFile(path, (packet) => {
      summary.add(packet);
      feed.add(packet);
      if (values.json) writePacketLine(out, packet);
    }, {
      filter: filterArgs(bpf),
      anomalies,
      record: feed.record, // nothing above keeps the record
      onChunkEnd: feed.flush, // stdin may be a live pipe
      signal: interrupt.signal,
      ...(progress
        ? {
          onProgress: (bytes: number) =>
            progress.update(bytes, summary.packets),
        }
        : {}),
    });
  } catch (error) {
    // Interrupted: summarise what was read, then exit 130 or 143. A
    // corrupt file: report what was read before the damage, then fail.
    // Stdout's reader gone (--json or --eve - into `head`): close the
    // files, then stop quietly.
    let interrupted = interrupt.signal.aborted &&
      error === interrupt.signal.reason;
    if (!interrupted && bpf.length > 0) {
      // A Ctrl-C reaches the filter's tcpdump too (one process group), and
      // its failure ("Interrupted system call") may come before NetMirror
      // hears the signal: give the signal a moment to arrive.
      await new Promise((resolve) => setTimeout(resolve, 100));
      interrupted = interruptedBy !== undefined;
    }
    if (!interrupted) {
      if (error instanceof CaptureFormatError) {
        failure = new CaptureFormatError(namingCapture(error.message, path), {
          cause: error,
        });
      } else if (error instanceof OutputClosedError) failure = error;
      else throw error;
    }
  } finally {
    removeStopListeners();
    feed.flush(); // the packets before the end, or before the damage
    progress?.clear();
    out.flush();
  }
  engine.finish();
  eve?.finish();
  eveOutput?.writer.close();
  if (failure instanceof OutputClosedError) throw failure;
  if (!values.json) {
    const seconds = (performance.now() - started) / 1000;
    const input = await inputFormat(path, filterArgs(bpf), result);
    // A file that is no capture at all, or that failed before its first
    // record (a bad header, a file cut inside it): the error alone says it,
    // without a summary of zeros that reads like an empty capture.
    if (
      failure instanceof CaptureFormatError &&
      failedBeforeFirstRecord(summary.packets, filterArgs(bpf), input)
    ) throw failure;
    const text = [
      formatSummary({
        path,
        summary: summary.toJSON(),
        anomalies: anomalies.toJSON(),
        format: input.format,
        gzip: input.gzip,
        filter: filterArgs(bpf),
        elapsedSeconds: seconds,
      }),
      ...(interruptedBy
        ? [`interrupted: by ${interruptedBy}; the rest was not read`]
        : []),
      ...formatTrafficLines(engine.stats.snapshot(), engine.latency.snapshot()),
      ...formatAlertLines(engine.alerts()),
    ].join("\n");
    if (evePath === "-") console.error(text);
    else await writeLine(text);
  }
  if (failure) throw failure;
  return interruptedBy ? signalExitCode(interruptedBy) : 0;
}

/**
 * The summary's talkers, conversations and latency cover the whole capture
 * (a live sensor's: hosts active within the last hour, latency of the last
 * 5 minutes): no host leaves the tables for being idle, and one latency
 * window spans centuries of packet time.
 */
const WHOLE_CAPTURE = {
  stats: { sessionIdleUs: Number.MAX_SAFE_INTEGER },
  latency: { windowUs: 1e16 },
} as const;

/**
 * Whether a read that failed had read no record: with no packet handed on,
 * when nothing filtered them out, or when the input's first bytes make no
 * record (a filter's tcpdump may have dropped them all otherwise).
 */
function failedBeforeFirstRecord(
  packets: number,
  filter: string,
  input: SniffedFormat,
): boolean {
  if (packets > 0) return false;
  return filter === "" || input.format === undefined || input.headError !== "";
}

/**
 * The input's own format, for the "file:" line. A file's is read from its
 * first bytes: when filtering, the read's result describes tcpdump's pcap
 * output, and after a parse error there is none. Stdin can be read only
 * once: its format is the read's, unknown when filtered or failed.
 */
async function inputFormat(
  path: string,
  filter: string,
  result: { format: "pcap" | "pcapng"; gzip: boolean } | undefined,
): Promise<SniffedFormat> {
  const read: SniffedFormat = filter === "" && result !== undefined
    ? { format: result.format, gzip: result.gzip, headError: "" }
    : { format: undefined, gzip: false, headError: "" };
  if (path === "-") return read;
  // Only a regular file can be opened again: a FIFO's second open would
  // wait for a writer that never comes.
  const isFile = await Deno.stat(path).then((info) => info.isFile, () => false);
  if (!isFile) return read;
  return await sniffCaptureFormat(path).catch(() => read);
}
