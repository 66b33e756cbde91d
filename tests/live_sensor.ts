/**
 * The live tests' sensor and peers: `netmirror capture --eve -` run in a
 * network namespace of a {@linkcode NetnsPair} while an attack runs in the
 * other, and what its EVE output says (alerts, tcpdump's counts).
 *
 * @module
 */

import assert from "node:assert/strict";
import { MAC_FLOOD_DEFAULTS } from "../detectors/mac_flood.ts";
import { type NetnsPair, VICTIM } from "./netns_pair.ts";
import { type NsProcess, startInNs } from "./ns_process.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const HTTP_PEER = new URL("./http_peer.ts", import.meta.url).pathname;
/** The port tests/http_peer.ts listens on, on the victim. */
export const HTTP_PORT = 8080;
/** What `deno task compile` grants the binary, less the network (capture needs none). */
const SENSOR_PERMISSIONS = [
  "--allow-run=tcpdump",
  "--allow-read",
  "--allow-write=netmirror-data,/run/netmirror",
  "--allow-sys=networkInterfaces,uid",
];
/** How long a sensor or a daemon may take to get ready, ms. */
export const READY_TIMEOUT_MS = 30_000;
const TOOL_TIMEOUT_MS = 30_000;

/** An alert as the EVE line gives it. */
export interface EveAlert {
  kind: string;
  attacker: string;
  victim: string;
  technique: string;
}

/** What one capture saw. */
export interface Seen {
  alerts: EveAlert[];
  /** The last EVE stats event's counts. */
  kernelPackets: number;
  kernelDrops: number;
  icmpv4: number;
  icmpv6: number;
  /** Packets that came through a tunnel (the EVE stats' decoder.tunneled). */
  tunneled: number;
  /** SCTP packets decoded (the EVE stats' decoder.sctp). */
  sctp: number;
  /** The probe kinds of the port scan alerts' records, each once ("syn", "sctp-init", …). */
  probeKinds: string[];
  /** Whether a SYN flood alert's record says it is a slow flood (held half-open attempts). */
  slowSynFlood: boolean;
}

/** Runs `command` in namespace `ns` to its end (bounded in time), then hands its exit status and stderr to `check` (by default: it must succeed). */
export async function run(
  ns: string,
  command: string[],
  check: (success: boolean, stderr: string) => void = (success, stderr) =>
    assert.ok(success, stderr),
): Promise<void> {
  const out = await new Deno.Command("ip", {
    args: ["netns", "exec", ns, ...command],
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(TOOL_TIMEOUT_MS),
  }).output();
  check(
    out.success,
    `${command.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
  );
}

/** Captures in the victim's namespace while `act` runs; returns what the sensor saw. */
export async function capture(
  pair: NetnsPair,
  act: () => Promise<void>,
  configFile?: string,
): Promise<Seen> {
  const sensor = startInNs(pair.victimNs, [
    Deno.execPath(),
    "run",
    ...SENSOR_PERMISSIONS,
    MAIN,
    "capture",
    "-i",
    pair.victimIface,
    "-q",
    // The file ring, whatever /run's file system (the CLI tests cover the pipe).
    "--tcpdump-output",
    "ring",
    "--eve",
    "-",
    ...(configFile ? ["--config", configFile] : []),
  ]);
  try {
    // Ready once tcpdump listens (the CLI says so on stderr).
    await sensor.waitFor("capturing on", READY_TIMEOUT_MS);
    await act();
    // Let the last packets through tcpdump's ring before stopping it.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await sensor.stop("SIGINT");
  }
  const { code, stdout, stderr } = await sensor.stop();
  assert.equal(code, 130, stderr); // stopped by SIGINT, as Ctrl-C does
  return parseEve(stdout, stderr);
}

/** Runs `command` in the attacker's namespace during a capture. */
export function attack(
  pair: NetnsPair,
  command: string[],
  check?: (success: boolean, stderr: string) => void,
): Promise<Seen> {
  return capture(pair, () => run(pair.attackerNs, command, check));
}

/** What the EVE lines `text` say; `stderr` is the sensor's, for messages. */
function parseEve(text: string, stderr: string): Seen {
  const alerts = new Map<string, EveAlert>();
  let stats: Record<string, Record<string, number>> | undefined;
  const probeKinds = new Set<string>();
  let slowSynFlood = false;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const event = JSON.parse(line);
    if (event.event_type === "alert") {
      alerts.set(event.netmirror.alert_id, {
        kind: event.alert.metadata.netmirror_kind[0],
        // A host named by its MAC (an ARP or NDP poisoner without an
        // address of its own) is in `ether`, as Suricata writes MACs.
        attacker: event.src_ip ?? event.ether?.src_mac ?? "",
        victim: event.dest_ip ?? event.ether?.dest_mac ?? "",
        technique: event.alert.metadata.mitre_technique_id[0],
      });
      for (const kind of event.netmirror.evidence.probeKinds ?? []) {
        probeKinds.add(kind);
      }
      if (event.netmirror.evidence.slow === true) slowSynFlood = true;
    } else if (event.event_type === "stats") {
      stats = event.stats;
    }
  }
  assert.ok(stats !== undefined, `no stats event; stderr: ${stderr}`);
  return {
    alerts: [...alerts.values()],
    kernelPackets: stats.capture!.kernel_packets!,
    kernelDrops: stats.capture!.kernel_drops!,
    icmpv4: stats.decoder!.icmpv4!,
    icmpv6: stats.decoder!.icmpv6!,
    tunneled: stats.decoder!.tunneled!,
    sctp: stats.decoder!.sctp!,
    probeKinds: [...probeKinds],
    slowSynFlood,
  };
}

/** Asserts exactly one alert, `expected` (kind, attacker, victim, technique), and no loss. */
/** The alert of a MAC flood: random MACs, so no attacker and no victim. */
export const MAC_FLOOD_ALERT: EveAlert = {
  kind: "mac_flood",
  attacker: "",
  victim: "",
  technique: "T1040",
};

/**
 * Checks the MAC flood that a flood of frames, each from a new random MAC
 * (yersinia's DHCP discovers, flood_router26's advertisements), raises
 * beside its own alerts: one, whenever twice the detector's threshold of
 * frames was captured (a loaded machine may capture fewer); returns the
 * other alerts.
 */
export function withoutMacFlood(seen: Seen): EveAlert[] {
  const macFloods = seen.alerts.filter((alert) => alert.kind === "mac_flood");
  if (seen.kernelPackets >= 2 * MAC_FLOOD_DEFAULTS.minNewMacs) {
    assert.deepEqual(macFloods, [MAC_FLOOD_ALERT], `${seen.kernelPackets}`);
  } else {
    assert.ok(macFloods.length <= 1, JSON.stringify(macFloods));
  }
  return seen.alerts.filter((alert) => alert.kind !== "mac_flood");
}

export function assertAlert(seen: Seen, expected: EveAlert): void {
  assert.deepEqual(seen.alerts, [expected]);
  assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
  assert.ok(seen.kernelPackets > 0);
}

/** Stops each daemon that was started, even when the step failed. */
export async function stopAll(
  daemons: (NsProcess | undefined)[],
): Promise<void> {
  for (const daemon of daemons) await daemon?.stop();
}

/** Runs `act` while tests/http_peer.ts serves on the victim (on `host`, the victim's address unless told), port {@linkcode HTTP_PORT}. */
export async function withHttpPeer(
  pair: NetnsPair,
  act: () => Promise<void>,
  host = VICTIM,
): Promise<void> {
  const peer = startInNs(pair.victimNs, [
    Deno.execPath(),
    "run",
    `--allow-net=${host}:${HTTP_PORT}`,
    HTTP_PEER,
    host,
    String(HTTP_PORT),
  ]);
  try {
    await peer.waitFor("listening", READY_TIMEOUT_MS);
    await act();
  } finally {
    await peer.stop();
  }
}
