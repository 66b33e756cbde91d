/**
 * Real attack tools, seen live: nmap, hping3 and ping in one network
 * namespace attack a host in another (tests/netns_pair.ts), while
 * `netmirror capture -i <veth> -q --eve -` runs in the victim's namespace
 * with the least privilege it documents, so tcpdump captures on a real
 * Ethernet interface with receive offload. Each attack must raise its alert,
 * with attacker, victim and ATT&CK technique, and no other; every packet
 * must reach the engine (tcpdump's kernel drops are zero), including a
 * 5 000-packet ping flood that arrives faster than a reader can be woken.
 *
 * Needs root, `ip`, `nmap`, `hping3` and `ping` (.ci/run installs them; a
 * missing tool fails the test). Every tool runs with a packet count or a
 * bounded target list, under a time limit.
 */

import assert from "node:assert/strict";
import {
  ATTACKER,
  createNetnsPair,
  EMPTY_SUBNET,
  type NetnsPair,
  VICTIM,
  VICTIM_SUBNET,
} from "./netns_pair.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** What `deno task compile` grants the binary, less the network (capture needs none). */
const SENSOR_PERMISSIONS = [
  "--allow-run=tcpdump",
  "--allow-read",
  "--allow-sys=networkInterfaces",
];
const READY_TIMEOUT_MS = 30_000;
const TOOL_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** An alert as the EVE line gives it. */
interface EveAlert {
  kind: string;
  attacker: string;
  victim: string;
  technique: string;
}

/** What one capture saw. */
interface Seen {
  alerts: EveAlert[];
  /** The last EVE stats event's counts. */
  kernelPackets: number;
  kernelDrops: number;
  icmpv4: number;
}

/** How a tool ended: its exit status and what it printed on stderr. */
type ToolCheck = (success: boolean, stderr: string) => void;

function exitsZero(success: boolean, stderr: string): void {
  assert.ok(success, stderr);
}

/** Runs `command` in the attacker's namespace while the sensor captures in the victim's; returns what the sensor saw. */
async function attack(
  pair: NetnsPair,
  command: string[],
  checkTool: ToolCheck = exitsZero,
): Promise<Seen> {
  const sensor = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      pair.victimNs,
      Deno.execPath(),
      "run",
      ...SENSOR_PERMISSIONS,
      MAIN,
      "capture",
      "-i",
      pair.victimIface,
      "-q",
      "--eve",
      "-",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(sensor.stdout).text();
  const stderrLines = sensor.stderr.pipeThrough(new TextDecoderStream())
    .getReader();
  let stderr = "";
  try {
    // Ready once tcpdump listens (the CLI says so on stderr).
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!stderr.includes("capturing on")) {
      const left = deadline - Date.now();
      assert.ok(left > 0, `sensor not ready: ${stderr}`);
      const next = await Promise.race([
        stderrLines.read(),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), left)),
      ]);
      assert.ok(next !== null && !next.done, `sensor not ready: ${stderr}`);
      stderr += next.value;
    }
    const tool = await new Deno.Command("ip", {
      args: ["netns", "exec", pair.attackerNs, ...command],
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(TOOL_TIMEOUT_MS),
    }).output();
    checkTool(
      tool.success,
      `${command.join(" ")}: ${new TextDecoder().decode(tool.stderr)}`,
    );
    // Let the last packets through tcpdump's pipe before stopping it.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    try {
      sensor.kill("SIGINT");
    } catch {
      // already exited
    }
  }
  const stopTimer = setTimeout(() => sensor.kill("SIGKILL"), STOP_TIMEOUT_MS);
  const [status, eve] = await Promise.all([sensor.status, stdout]);
  clearTimeout(stopTimer);
  for (let next = await stderrLines.read(); !next.done;) {
    stderr += next.value;
    next = await stderrLines.read();
  }
  assert.equal(status.code, 0, stderr);
  return parseEve(eve, stderr);
}

function parseEve(text: string, stderr: string): Seen {
  const alerts = new Map<string, EveAlert>();
  let stats: Record<string, Record<string, number>> | undefined;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const event = JSON.parse(line);
    if (event.event_type === "alert") {
      alerts.set(event.netmirror.alert_id, {
        kind: event.alert.metadata.netmirror_kind[0],
        attacker: event.src_ip ?? "",
        victim: event.dest_ip ?? "",
        technique: event.alert.metadata.mitre_technique_id[0],
      });
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
  };
}

/** Asserts exactly `expected` (kind, attacker, victim, technique) and no loss. */
function assertAlerts(seen: Seen, expected: EveAlert[]): void {
  assert.deepEqual(seen.alerts, expected);
  assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
  assert.ok(seen.kernelPackets > 0);
}

Deno.test("live attacks: real tools in network namespaces raise their alerts", async (t) => {
  const pair = await createNetnsPair("la");
  try {
    await t.step("nmap -sS: a port scan of the victim", async () => {
      const seen = await attack(pair, [
        "nmap",
        "-sS",
        "-n",
        "-Pn",
        "-T4",
        "--max-retries",
        "1",
        "-p",
        "1-200",
        VICTIM,
      ]);
      assertAlerts(seen, [{
        kind: "port_scan",
        attacker: ATTACKER,
        victim: VICTIM,
        technique: "T1046",
      }]);
    });

    await t.step("hping3 --rand-source: a spoofed SYN flood", async () => {
      const seen = await attack(pair, [
        "hping3",
        "-S",
        "--rand-source",
        "-p",
        "80",
        "-c",
        "2000",
        "-i",
        "u200",
        "-q",
        VICTIM,
      ], (_success, stderr) => {
        // hping3 exits 1 when nothing answered, as nothing can here.
        assert.match(stderr, /2000 packets transmitted/);
      });
      // Thousands of sources: no one attacker.
      assertAlerts(seen, [{
        kind: "syn_flood",
        attacker: "",
        victim: VICTIM,
        technique: "T1499.001",
      }]);
    });

    await t.step("ping -f: an ICMP flood, every packet seen", async () => {
      const pings = 2_500;
      const seen = await attack(pair, [
        "ping",
        "-f",
        "-q",
        "-c",
        String(pings),
        VICTIM,
      ]);
      assertAlerts(seen, [{
        kind: "icmp_flood",
        attacker: ATTACKER,
        victim: VICTIM,
        technique: "T1498.001",
      }]);
      // Requests and replies, all of them: with tcpdump's default snap
      // length (262144) the ring held about 1 000 and most were dropped.
      assert.equal(seen.icmpv4, 2 * pings);
    });

    await t.step("nmap -sn: an ARP scan of the victim's subnet", async () => {
      const seen = await attack(pair, [
        "nmap",
        "-sn",
        "-n",
        "-T5",
        "--max-retries",
        "0",
        VICTIM_SUBNET.replace("/24", "/25"),
      ]);
      assertAlerts(seen, [{
        kind: "arp_scan",
        attacker: ATTACKER,
        victim: "",
        technique: "T1018",
      }]);
    });

    await t.step("nmap -sn -PE: an ICMP sweep of a routed subnet", async () => {
      const seen = await attack(pair, [
        "nmap",
        "-sn",
        "-PE",
        "--send-ip",
        "-n",
        "-T5",
        "--max-retries",
        "0",
        "--initial-rtt-timeout",
        "20ms",
        "--max-rtt-timeout",
        "50ms",
        EMPTY_SUBNET.replace("/24", "/25"),
      ]);
      assertAlerts(seen, [{
        kind: "icmp_sweep",
        attacker: ATTACKER,
        victim: "",
        technique: "T1018",
      }]);
    });
  } finally {
    await pair.close();
  }
});
