/**
 * The open ports a port scan alert lists, checked against tshark on the
 * real port scan captures: the host:port pairs that answered the scanner's
 * probes (a SYN/ACK to its SYN, a UDP datagram back from the port its UDP
 * went to), of the hosts it probed on 15 ports or more and the ports it
 * probed on 25 hosts or more (its scan, not its own connections or DNS
 * queries).
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import type { Alert } from "../detectors/alert.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { PORT_SCAN_DEFAULTS } from "../detectors/port_scan.ts";
import { tsharkFields } from "./cli_helpers.ts";

const ATTACKS = new URL("../../shared/pcaps/attacks/", import.meta.url)
  .pathname;

const FILES = [...Deno.readDirSync(ATTACKS)]
  .map((entry) => entry.name)
  .filter((name) => name.startsWith("portscan_"))
  .sort();

/** The port scan alerts of `file` as they stand at the end. */
async function scanAlertsOf(file: string): Promise<Alert[]> {
  const alerts = new Map<string, Alert>();
  const engine = new AnalysisEngine({}, (event) => {
    if (event.alert.kind === "port_scan") {
      alerts.set(event.alert.id, event.alert);
    }
  });
  await readPacketFile(file, (packet) => engine.observe(packet));
  engine.finish();
  return [...alerts.values()];
}

/** "host:port" as the evidence writes it (IPv6 in brackets, "/udp" for UDP). */
function serviceText(host: string, port: string, udp: boolean): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}${
    udp ? "/udp" : ""
  }`;
}

/** What tshark shows answering `scanner`'s probes in `file`, of the hosts and ports it scanned. */
async function openServicesOf(
  file: string,
  scanner: string,
): Promise<Set<string>> {
  const rows = await tsharkFields(
    file,
    [
      "ip.src",
      "ipv6.src",
      "ip.dst",
      "ipv6.dst",
      "tcp.srcport",
      "tcp.dstport",
      "tcp.flags.syn",
      "tcp.flags.ack",
      "udp.srcport",
      "udp.dstport",
    ],
    // Not the headers an ICMP error quotes.
    `(tcp || udp) && !icmp && !icmpv6 && ${
      scanner.includes(":") ? "ipv6" : "ip"
    }.addr == ${scanner}`,
  );
  const probes = new Set<string>();
  const answers: { host: string; port: string; udp: boolean }[] = [];
  const portsOfHost = new Map<string, Set<string>>();
  const hostsOfPort = new Map<string, Set<string>>();
  for (const row of rows) {
    const [
      ip4Src,
      ip6Src,
      ip4Dst,
      ip6Dst,
      tcpSrc,
      tcpDst,
      syn,
      ack,
      udpSrc,
      udpDst,
    ] = row.split("\t");
    const src = ip4Src || ip6Src!;
    const dst = ip4Dst || ip6Dst!;
    const udp = tcpSrc === "";
    const srcPort = udp ? udpSrc! : tcpSrc!;
    const dstPort = udp ? udpDst! : tcpDst!;
    const isSyn = syn === "1" || syn === "True";
    const isAck = ack === "1" || ack === "True";
    if (src === scanner && (udp || (isSyn && !isAck))) {
      const port = `${udp ? "u" : "t"}${dstPort}`;
      probes.add(`${dst} ${port}`);
      (portsOfHost.get(dst) ?? portsOfHost.set(dst, new Set()).get(dst)!)
        .add(port);
      (hostsOfPort.get(port) ?? hostsOfPort.set(port, new Set()).get(port)!)
        .add(dst);
    } else if (dst === scanner && (udp || (isSyn && isAck))) {
      answers.push({ host: src, port: srcPort, udp });
    }
  }
  const open = new Set<string>();
  for (const { host, port, udp } of answers) {
    const key = `${udp ? "u" : "t"}${port}`;
    if (!probes.has(`${host} ${key}`)) continue;
    const scanned = (portsOfHost.get(host)?.size ?? 0) >=
        PORT_SCAN_DEFAULTS.failedPortThreshold ||
      (hostsOfPort.get(key)?.size ?? 0) >=
        PORT_SCAN_DEFAULTS.failedSubnetHostThreshold;
    if (scanned) open.add(serviceText(host, port, udp));
  }
  return open;
}

Deno.test("port_scan: the open ports listed are those tshark shows answering the scan, on every port scan capture", async (t) => {
  let listed = 0;
  for (const name of FILES) {
    await t.step(name, async () => {
      const file = ATTACKS + name;
      const alerts = await scanAlertsOf(file);
      assert.ok(alerts.length > 0, "a port scan alert");
      for (const alert of alerts) {
        if (alert.attacker === "") continue;
        const expected = await openServicesOf(file, alert.attacker);
        const services = alert.evidence.openServices as string[];
        assert.equal(alert.evidence.openServiceCount, expected.size);
        assert.ok(expected.size <= 32, "every pair listed");
        assert.deepEqual([...services].sort(), [...expected].sort());
        const ports = [
          ...new Set(
            [...expected].map((service) =>
              Number(/:(\d+)(?:\/udp)?$/.exec(service)![1])
            ),
          ),
        ].sort((a, b) => a - b);
        assert.deepEqual(alert.evidence.openPorts, ports);
        assert.equal(alert.evidence.openPortCount, ports.length);
        if (ports.length === 0) {
          assert.ok(!alert.summary.includes("; open:"), alert.summary);
        } else {
          assert.match(alert.summary, /; open: \d+/);
        }
        listed += expected.size;
      }
    });
  }
  // The captures' scans found open ports, so the checks compared some: 30
  // of the connect scan of three hosts, 5 + 3 of two SYN scans, one UDP
  // port of the UDP scan.
  assert.equal(listed, 39);
});
