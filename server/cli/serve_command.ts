/**
 * `netmirror [serve]`: the dashboard, API and SSE stream, with a first
 * capture (live, replay or demo), config file and EVE log.
 *
 * @module
 */

import { isIP } from "node:net";
import { parseArgs } from "node:util";
import {
  onStopSignals,
  signalExitCode,
  type StopSignal,
} from "../../capture/child_registry.ts";
import { filterArgs } from "../../capture/tcpdump.ts";
import {
  engineConfigOf,
  loadConfig,
  mergeConfig,
  type NetMirrorConfig,
} from "../config/config.ts";
import { MIN_TOKEN_LENGTH } from "../config/config_schema.ts";
import { DemoTraffic } from "../demo/mod.ts";
import type { EveLogger } from "../eve/mod.ts";
import { EveWriter } from "../eve/mod.ts";
import {
  endMessage,
  outputSuffix,
  type SessionInfo,
  type StartOptions,
} from "../sensor.ts";
import { startServer } from "../serve.ts";
import { loadUiAssets, uiBuildIsStale } from "../ui_assets.ts";
import {
  captureFlags,
  cidrList,
  nonEmpty,
  onceOnly,
  parse,
  UsageError,
  writeLine,
} from "./args.ts";
import { newEveLogger, printConfig } from "./command_config.ts";
import { OutputClosedError } from "../../capture/write_all.ts";
import { DropNotice } from "./drop_notice.ts";

/** `netmirror serve --help`. */
export const SERVE_USAGE =
  `Usage: netmirror [serve] [-i <iface> | -r <file> | --demo | --idle] [bpf…] [options]

Starts the dashboard and API (http://127.0.0.1:5000 by default) and a first
capture: live on an interface (-i), a replay of a capture file (-r), or the
built-in demo traffic (the default).

Options:
  -i, --interface <name>  capture live on this interface (needs tcpdump and capture rights)
  -r, --read <file>       replay a pcap/pcapng(.gz) file through the pipeline
  --realtime              replay at the capture's own pace (with -r; a quiet
                          time over 60 s is cut to 60 s)
  --demo                  simulated office traffic with attacks (the default)
  --idle                  start no capture; start one from the dashboard
  --bind <address>        IP address to listen on (default 127.0.0.1)
  -p, --port <port>       port (default 5000)
  --token <token>         API token, 8 characters or more; required off loopback
                          (a random one is printed if absent)
  --data-dir <dir>        where session PCAPs are written (default ./netmirror-data)
  --replay-dir <dir>      replays (from the page or the API) may read only files under <dir>
  --home-net <cidrs>      comma-separated home network CIDRs (default RFC 1918 + ULA)
  -s, --snaplen <bytes>   live capture: bytes kept of each packet (default 9216; up to 262144, 0 for that)
  -B, --buffer <KiB>      live capture: kernel capture buffer size (default 65536)
  --tcpdump-output <how>  live capture: ring (files in /run/netmirror, the default where
                          that is a tmpfs) or pipe (tcpdump's stdout, the default elsewhere)
  --eve <path|->          write EVE NDJSON (alert, flow, dns, http, tls, arp, stats), rotated by size
  --config <file>         netmirror.json (schema: server/config/netmirror.schema.json);
                          flags override the file
  --print-config          print the effective configuration (defaults included) and exit
  -h, --help              show this help

Stream events with: curl -N http://127.0.0.1:5000/api/stream`;

/** The version string, set by main. */
export interface ServeContext {
  version: string;
}

/** Runs `serve`; resolves with the exit code when stopped by a signal. */
export async function serveCommand(
  args: string[],
  context: ServeContext,
): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        interface: { type: "string", short: "i", multiple: true },
        read: { type: "string", short: "r", multiple: true },
        realtime: { type: "boolean" },
        demo: { type: "boolean" },
        idle: { type: "boolean" },
        bind: { type: "string" },
        port: { type: "string", short: "p" },
        token: { type: "string" },
        "data-dir": { type: "string" },
        "replay-dir": { type: "string" },
        "home-net": { type: "string", multiple: true },
        snaplen: { type: "string", short: "s" },
        buffer: { type: "string", short: "B" },
        "tcpdump-output": { type: "string" },
        eve: { type: "string" },
        config: { type: "string" },
        "print-config": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(SERVE_USAGE);
    return 0;
  }
  const iface = onceOnly(
    "-i",
    values.interface,
    'a session captures on one interface; "any" captures on all',
  );
  const read = onceOnly("-r", values.read, "a session replays one file");
  if (read === "-") {
    throw new UsageError(
      'serve -r replays a file, not stdin: "netmirror read -" reads a capture from stdin',
    );
  }
  nonEmpty("-r", read);
  nonEmpty("--bind", values.bind, "an address");
  nonEmpty("--data-dir", values["data-dir"]);
  nonEmpty("--replay-dir", values["replay-dir"]);
  nonEmpty("--eve", values.eve);
  const chosen = [iface, read, values.demo, values.idle]
    .filter((v) => v !== undefined && v !== false).length;
  if (chosen > 1) {
    throw new UsageError("choose one of -i, -r, --demo and --idle");
  }
  if (values.realtime && read === undefined) {
    throw new UsageError("--realtime goes with -r <file>");
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = /^\d{1,5}$/.test(values.port.trim()) ? Number(values.port) : NaN;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be 0-65535, got "${values.port}"`);
    }
  }
  if (values.token !== undefined && values.token.length < MIN_TOKEN_LENGTH) {
    throw new UsageError(
      `--token must be at least ${MIN_TOKEN_LENGTH} characters (as in the config file), got ${values.token.length}`,
    );
  }
  const flags = captureFlags(values);
  nonEmpty("--config", values.config);
  const fileConfig = values.config !== undefined
    ? await loadConfig(values.config)
    : {};
  const config: NetMirrorConfig = mergeConfig(fileConfig, {
    bind: values.bind,
    port,
    token: values.token,
    dataDir: values["data-dir"],
    replayDir: values["replay-dir"],
    homeNet: cidrList("--home-net", values["home-net"]),
    capture: Object.keys(flags).length > 0
      ? { ...fileConfig.capture, ...flags }
      : undefined,
    eve: values.eve !== undefined
      ? { ...fileConfig.eve, path: values.eve }
      : undefined,
  });
  // A name to look up would make a typo a runtime failure at listen.
  if (
    config.bind !== undefined && config.bind !== "localhost" &&
    isIP(config.bind) === 0
  ) {
    throw new UsageError(
      `${
        values.bind !== undefined ? "--bind" : 'the config\'s "bind"'
      } must be an IP address (or localhost), got "${config.bind}"`,
    );
  }
  if (values["print-config"]) {
    await printConfig(config);
    return 0;
  }
  const filter = filterArgs(positionals);
  const start: StartOptions | undefined = values.idle
    ? undefined
    : iface !== undefined
    ? { mode: "live", interface: iface, filter }
    : read !== undefined
    ? {
      mode: "replay",
      file: read,
      filter,
      ...(values.realtime ? { realtime: true } : {}),
    }
    : { mode: "demo" };
  if ((start === undefined || start.mode === "demo") && filter !== "") {
    throw new UsageError(
      start === undefined
        ? "a BPF filter needs -i or -r (--idle starts no capture to filter)"
        : "a BPF filter needs -i or -r (demo traffic is not filtered)",
    );
  }
  // Ctrl-C, or the end of stdout's reader when it takes the EVE records.
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  const eveWriter = config.eve
    ? new EveWriter(config.eve.path, config.eve, (error) => {
      if (error instanceof OutputClosedError) return stop();
      // A full disk, say: the sensor goes on without its EVE records.
      console.error(
        `netmirror: cannot write EVE records to ${
          config.eve!.path === "-" ? "stdout" : `"${config.eve!.path}"`
        }: ${
          error instanceof Error ? error.message : String(error)
        }; EVE output is off from now on, capture and analysis go on`,
      );
    })
    : undefined;
  let eve: EveLogger | undefined;
  const newEve = (iface?: string) =>
    eveWriter ? newEveLogger(eveWriter, config, iface) : undefined;
  eve = newEve();
  const flushTimer = eveWriter
    ? setInterval(() => eveWriter.flush(), 1000)
    : undefined;
  const ui = await loadUiAssets();
  // Sessions that end before the banner below is out are told after it.
  let serving = false;
  const endedEarly: string[] = [];
  const server = await startServer({
    hostname: config.bind ?? "127.0.0.1",
    port: config.port ?? 5000,
    ...(config.token !== undefined ? { token: config.token } : {}),
    dataDir: config.dataDir ?? "netmirror-data",
    engine: engineConfigOf(config),
    sensor: {
      createDemo: (startUs) => new DemoTraffic({ startUs }),
      ...(config.replayDir ? { replayDir: config.replayDir } : {}),
      ...(config.pcap ? { pcap: config.pcap } : {}),
      ...(config.packetRowsPerSecond
        ? { packetRowsPerSecond: config.packetRowsPerSecond }
        : {}),
      ...(config.capture ? { capture: config.capture } : {}),
      // Each session's EVE records name where they come from (in_iface):
      // the interface, or "demo" for the simulated traffic, which a SIEM
      // must not take for a real network's.
      onSessionStart: (session) => {
        if (!eveWriter) return;
        eve = newEve(
          session.mode === "live"
            ? session.interface
            : session.mode === "demo"
            ? "demo"
            : undefined,
        );
      },
      // A live link going down or back, on the terminal too.
      onLinkChange: (message) => console.error(`netmirror: ${message}`),
      // Every session's end on the terminal too: a failed replay or
      // capture is otherwise told only on the page and by the API.
      onSessionEnd: (session) => {
        // The start's own failure is the command's error, told once.
        if (serving) console.error(`netmirror: ${endMessage(session)}`);
        else endedEarly.push(endMessage(session));
        if (!eveWriter) return;
        if (eve && session.mode === "live") eve.capture = eveCapture(session);
        eve?.finish();
        eveWriter.flush();
        eve = newEve();
      },
      ...(eveWriter
        ? {
          onPacket: (packet) => eve?.observe(packet),
          onAlert: (event) => eve?.alert(event),
        }
        : {}),
    },
    ...(start ? { start } : {}),
    ...(ui ? { ui } : {}),
    version: context.version,
  });
  // A live session's kernel drops told as they rise, and its tcpdump
  // counts in EVE's stats records while it runs.
  let drops = { sessionId: "", notice: new DropNotice() };
  const countsTimer = setInterval(() => {
    const session = server.sensor.session;
    if (session?.mode !== "live" || session.state !== "running") return;
    if (drops.sessionId !== session.id) {
      drops = { sessionId: session.id, notice: new DropNotice() };
    }
    drops.notice.update(session.droppedByKernel);
    if (eve) eve.capture = eveCapture(session);
  }, 1000);
  // A token of the user's own is never printed (a journal keeps stderr);
  // a random one must be, or no one could use the sensor.
  const ownToken = config.token !== undefined;
  const tokenQuery = server.token
    ? `?token=${ownToken ? "<token>" : server.token}`
    : "";
  console.error(`netmirror: dashboard at ${server.url}/${tokenQuery}`);
  if (server.token && !ownToken) {
    console.error(
      `netmirror: API token ${server.token} (random, new at each start: set one with --token or the config file's "token")`,
    );
  }
  if (!ui) {
    console.error(
      "netmirror: the dashboard is not built into this copy (deno task bundle); the API works",
    );
  } else if (await uiBuildIsStale()) {
    console.error(
      "netmirror: the dashboard in ui/dist is older than its sources in ui/: run `deno task bundle` (`deno task start` does)",
    );
  }
  console.error(
    `netmirror: ${
      start ? describeStart(start, server.sensor.session) : "no capture yet"
    }; stream: curl -N ${server.url}/api/stream${tokenQuery}; Ctrl-C stops`,
  );
  serving = true;
  for (const message of endedEarly) console.error(`netmirror: ${message}`);
  let stoppedBy: StopSignal | undefined;
  const removeStopListeners = onStopSignals((signal) => {
    stoppedBy ??= signal;
    stop();
  });
  try {
    await stopped;
  } finally {
    removeStopListeners();
    clearInterval(countsTimer);
    await server.close();
    clearInterval(flushTimer);
    eveWriter?.close();
  }
  return stoppedBy === undefined ? 0 : signalExitCode(stoppedBy);
}

/** The `capture` part of EVE's stats records: tcpdump's counts of a live session. */
function eveCapture(
  session: SessionInfo,
): { kernel_packets: number; kernel_drops: number } {
  return {
    kernel_packets: session.tcpdumpCaptured,
    kernel_drops: session.droppedByKernel,
  };
}

function describeStart(
  start: StartOptions,
  session: SessionInfo | undefined,
): string {
  switch (start.mode) {
    case "live":
      return `capturing on ${start.interface}${
        session ? outputSuffix(session) : ""
      }`;
    case "replay":
      return `replaying ${start.file}`;
    case "demo":
      return "demo traffic";
  }
}
