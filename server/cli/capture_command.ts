/**
 * `netmirror capture -i <iface> [bpf…]`: live packets as lines (or NDJSON)
 * until Ctrl-C or -c, optionally written to a pcap (-w) and EVE (--eve).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  onStopSignals,
  signalExitCode,
  type StopSignal,
} from "../../capture/child_registry.ts";
import { validateFilter } from "../../capture/bpf.ts";
import { formatPacketLine } from "../../capture/format_packet.ts";
import { countText } from "../../capture/count_text.ts";
import {
  capturePackets,
  describeOutput,
  type LiveCaptureResult,
} from "../../capture/live_capture.ts";
import { PcapFileWriter } from "../../capture/pcap_file_writer.ts";
import { OutputClosedError } from "../../capture/write_all.ts";
import {
  DEFAULT_SNAP_LENGTH,
  filterArgs,
  MAX_COUNT,
} from "../../capture/tcpdump.ts";
import { AnalysisEngine } from "../../detectors/engine.ts";
import { EngineFeed } from "../../detectors/engine_feed.ts";
import { engineConfigOf } from "../config/config.ts";
import type { EveLogger, EveWriter } from "../eve/mod.ts";
import { commandConfig, openEve, printConfig } from "./command_config.ts";
import { formatAlertLine } from "./format_alerts.ts";
import { writePacketLine } from "./packet_json.ts";
import { DropNotice } from "./drop_notice.ts";
import { LinkWatch } from "../link_state.ts";
import {
  captureFlags,
  LineWriter,
  nonEmpty,
  onceOnly,
  oneStdoutWriter,
  parse,
  positiveInteger,
  refuseSameFile,
  UsageError,
  writeLine,
} from "./args.ts";

/** `netmirror capture --help`. */
export const CAPTURE_USAGE =
  `Usage: netmirror capture -i <iface> [bpf…] [options]

Captures live with tcpdump and prints one line per packet until Ctrl-C,
then tcpdump's counts (captured, dropped by the kernel); kernel drops are
also told on stderr as they rise. Every detector runs:
an alert is told on stderr when it is raised or its severity rises, and
all of them, with their final figures, at the end.

Options:
  -i, --interface <name>  interface to capture on ("any" for all; see "netmirror interfaces")
  -s, --snaplen <bytes>   bytes kept of each packet (default 9216; up to 262144, 0 for that)
  -B, --buffer <KiB>      kernel capture buffer size (default 65536)
  --tcpdump-output <how>  ring: tcpdump writes files in /run/netmirror (the default
                          where that is a tmpfs); pipe: its stdout (the default elsewhere)
  -c, --count <n>         stop after n packets
  -w, --write <file>      also write the packets to a pcap file
  --eve <path|->          also write EVE NDJSON (alerts, flows, dns, http, tls, arp, stats)
  --config <file>         netmirror.json: thresholds, home net, allowlists
  --print-config          print the effective configuration (defaults included) and exit
  --home-net <cidrs>      comma-separated home network CIDRs (default RFC 1918 + ULA)
  --json                  print NDJSON packet records instead of text
  -q, --quiet             print no packet lines
  -h, --help              show this help

Needs root, or tcpdump with capabilities:
  setcap cap_net_raw,cap_net_admin+eip $(which tcpdump)`;

/** Runs `capture`; resolves with the exit code. */
export async function captureCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        interface: { type: "string", short: "i", multiple: true },
        snaplen: { type: "string", short: "s" },
        buffer: { type: "string", short: "B" },
        "tcpdump-output": { type: "string" },
        count: { type: "string", short: "c" },
        write: { type: "string", short: "w" },
        eve: { type: "string" },
        config: { type: "string" },
        "print-config": { type: "boolean" },
        "home-net": { type: "string", multiple: true },
        json: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(CAPTURE_USAGE);
    return 0;
  }
  if (values["print-config"]) {
    const { config, evePath } = await commandConfig(values);
    await printConfig(
      { ...config, capture: { ...config.capture, ...captureFlags(values) } },
      evePath,
    );
    return 0;
  }
  const iface = onceOnly(
    "-i",
    values.interface,
    'a capture runs on one interface; "any" captures on all',
  );
  if (!iface) {
    throw new UsageError(
      'capture needs an interface: -i <name> (see "netmirror interfaces")',
    );
  }
  const flags = captureFlags(values);
  const count = positiveInteger("--count", values.count, MAX_COUNT);
  nonEmpty("-w", values.write);
  const { config, evePath } = await commandConfig(values);
  oneStdoutWriter({
    "-w -": values.write === "-",
    "--eve -": evePath === "-",
    "--json": values.json === true,
  });
  await refuseSameFile({ "-w": values.write, "--eve": evePath });
  // The filter first (tcpdump -d needs no privileges): a typo is called a
  // bad filter even where the capture itself would be refused.
  const filter = filterArgs(positionals);
  if (filter !== "") await validateFilter(filter);
  const quiet = values.quiet || values.write === "-" || evePath === "-";
  // Flags over the config file's capture settings.
  const capture = { ...config.capture, ...flags };
  // The outputs are opened once tcpdump listens (the interface and the
  // filter are good), or at the first packet: a typo in either leaves a
  // file of that name as it was, as tcpdump itself does.
  let pcap: PcapFileWriter | undefined;
  let eve: EveLogger | undefined;
  let eveWriter: EveWriter | undefined;
  let outputsOpen = false;
  const openOutputs = () => {
    if (outputsOpen) return;
    outputsOpen = true;
    if (values.write !== undefined) {
      pcap = new PcapFileWriter(values.write, {
        snapLength: capture.snapLength ?? DEFAULT_SNAP_LENGTH,
      });
    }
    const eveOutput = openEve(evePath, config, iface);
    eve = eveOutput?.logger;
    eveWriter = eveOutput?.writer;
  };
  const engine = new AnalysisEngine(engineConfigOf(config), (event) => {
    eve?.alert(event);
    // On stderr, beside the status lines: stdout carries the packets.
    if (event.type === "engaged") {
      console.error(`netmirror: alert ${formatAlertLine(event.alert)}`);
    } else if (event.type === "updated" && event.escalatedFrom !== undefined) {
      console.error(
        `netmirror: alert rose from ${event.escalatedFrom}: ${
          formatAlertLine(event.alert)
        }`,
      );
    } else if (event.type === "updated" && event.reopened) {
      console.error(`netmirror: alert again: ${formatAlertLine(event.alert)}`);
    }
  });
  // EVE sees each packet after the engine, so an alert's record comes first.
  const feed = new EngineFeed(
    engine,
    evePath !== undefined ? (packet) => eve?.observe(packet) : undefined,
  );
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    feed.flush();
    engine.finish();
  };
  const out = new LineWriter();
  let seen = 0;
  let flushTimer: ReturnType<typeof setInterval> | undefined;
  let countsTimer: ReturnType<typeof setInterval> | undefined;
  let flushError: unknown;
  const live = capturePackets({
    iface: iface,
    filter,
    ...capture,
    record: feed.record, // nothing below keeps the record
    onChunkEnd: feed.flush,
  }, (packet, raw) => {
    if (count !== undefined && seen >= count) return;
    seen++;
    openOutputs();
    if (pcap !== undefined && flushError === undefined) {
      try {
        pcap.write(raw);
      } catch (error) {
        // A full disk: the capture stops, its summary still comes.
        flushError = error;
        void live.stop();
      }
    }
    feed.add(packet);
    if (!quiet) {
      if (values.json) writePacketLine(out, packet);
      else out.push(formatPacketLine(packet));
    }
    if (count !== undefined && seen >= count) void live.stop();
  });
  // A signal stops the capture as -c does, and the exit code tells which.
  let stoppedBy: StopSignal | undefined;
  const removeStopListeners = onStopSignals((signal) => {
    stoppedBy ??= signal;
    void live.stop();
  });
  try {
    await live.ready;
    openOutputs();
    console.error(
      `netmirror: capturing on ${iface}${
        filter !== "" ? ` (filter: ${filter})` : ""
      }, ${describeOutput(live.output, live.pipeReason)}; Ctrl-C stops`,
    );
    flushTimer = setInterval(() => {
      try {
        out.flush();
        pcap?.flush();
        eveWriter?.flush();
      } catch (error) {
        // Stdout's reader gone (`| head`), or a full disk: stop with it.
        flushError ??= error;
        void live.stop();
      }
    }, 100);
    // tcpdump's counts each second: kernel drops told as they rise, and in
    // EVE's stats records while the capture runs.
    const drops = new DropNotice();
    const link = new LinkWatch(iface);
    countsTimer = setInterval(() => {
      void link.tick();
      const counts = live.pollCounts();
      if (counts === undefined) return;
      if (eve) {
        eve.capture = {
          kernel_packets: counts.captured,
          kernel_drops: counts.droppedByKernel,
        };
      }
      drops.update(counts.droppedByKernel);
    }, 1000);
    // tcpdump failing once it ran (its interface gone, killed): the
    // summary and the alerts still come, then its error.
    let result: LiveCaptureResult | undefined;
    let captureError: unknown;
    try {
      result = await live.done;
    } catch (error) {
      captureError = error;
    }
    // Stdout's reader gone: stop quietly. A full disk stops the capture
    // too, but its summary still comes, before the error.
    if (flushError instanceof OutputClosedError) throw flushError;
    out.flush(); // the last packets before the counts, on a terminal too
    if (result === undefined) {
      console.error(
        `netmirror: ${countText(seen, "packet")} decoded before tcpdump failed`,
      );
    } else {
      const t = result.tcpdump;
      if (eve) {
        eve.capture = {
          kernel_packets: t.captured,
          kernel_drops: t.droppedByKernel,
        };
      }
      console.error(
        // With -c, packets decoded after the count (before tcpdump
        // stopped) were left out of every output: say what was handled.
        `netmirror: ${countText(seen, "packet")} decoded${
          result.skipped > 0
            ? `, ${result.skipped} skipped (fell half a ring behind)`
            : ""
        }; tcpdump: ${t.captured} captured, ${t.receivedByFilter} received by filter, ${t.droppedByKernel} dropped by kernel`,
      );
    }
    out.flush(); // the last packets, before the alerts' final figures
    finish();
    const alerts = engine.alerts();
    console.error(
      `netmirror: ${countText(alerts.length, "alert")}${
        alerts.length > 0 ? ", with their final figures:" : ""
      }`,
    );
    for (const alert of alerts) {
      console.error(`netmirror:   ${formatAlertLine(alert)}`);
    }
    if (captureError !== undefined) throw captureError;
    if (flushError !== undefined) throw flushError;
  } finally {
    clearInterval(flushTimer);
    clearInterval(countsTimer);
    removeStopListeners();
    await live.stop().catch(() => {});
    finish();
    eve?.finish();
    out.flush();
    await pcap?.close();
    eveWriter?.close();
  }
  return stoppedBy === undefined ? 0 : signalExitCode(stoppedBy);
}
