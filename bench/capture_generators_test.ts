import assert from "node:assert/strict";
import { internetChecksum, tcpFrame } from "../capture/frame_builder.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import { fixIpv4Checksums, IPV4_SRC, writeUint32 } from "./frame_patch.ts";
import { writeMixedCapture } from "./mixed_capture.ts";
import { writeSynFloodCapture } from "./synflood_capture.ts";
import { writeDnsCapture } from "./dns_capture.ts";
import { ARP_GATEWAY, ARP_SCANNER, writeArpCapture } from "./arp_capture.ts";
import {
  DHCP_SERVER,
  IPV6_FLOOD_VICTIM,
  SCAN_PORT,
  SWEEP_SOURCE,
  writeDhcpStarvationCapture,
  writeHorizontalScanCapture,
  writeIcmpSweepCapture,
  writeIpv6SynFloodCapture,
} from "./attack_captures.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { plainPacket } from "../capture/decoded_packet.ts";
import {
  VXLAN_BENCH_VNI,
  VXLAN_SENSOR,
  VXLAN_SOURCE,
  writeVxlanCapture,
} from "./vxlan_capture.ts";

/** True when the IPv4 header and TCP/UDP/ICMP checksums of an Ethernet/IPv4 frame, or the TCP/UDP checksum of an Ethernet/IPv6 one, verify. */
function checksumsValid(frame: Uint8Array): boolean {
  if (frame[12] === 0x86 && frame[13] === 0xdd) {
    const ip = frame.subarray(14);
    const length = (ip[4]! << 8) | ip[5]!;
    const pseudo = new Uint8Array(40);
    pseudo.set(ip.subarray(8, 40), 0);
    pseudo[34] = length >> 8;
    pseudo[35] = length & 0xff;
    pseudo[39] = ip[6]!;
    return internetChecksum(pseudo, ip.subarray(40, 40 + length)) === 0;
  }
  if (frame[12] !== 0x08 || frame[13] !== 0x00) return true; // not IPv4 (ARP)
  const ip = frame.subarray(14);
  const headerLength = (ip[0]! & 0x0f) * 4;
  if (internetChecksum(ip.subarray(0, headerLength)) !== 0) return false;
  const totalLength = (ip[2]! << 8) | ip[3]!;
  const protocol = ip[9]!;
  const transport = ip.subarray(headerLength, totalLength);
  if (protocol === 1) return internetChecksum(transport) === 0;
  const pseudo = new Uint8Array(12);
  pseudo.set(ip.subarray(12, 20), 0);
  pseudo[9] = protocol;
  pseudo[10] = transport.length >> 8;
  pseudo[11] = transport.length & 0xff;
  return internetChecksum(pseudo, transport) === 0;
}

async function framesOf(path: string): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  await readPacketFile(path, (_packet, raw) => {
    frames.push(
      raw.bytes.slice(raw.offset, raw.offset + raw.capturedLength),
    );
  });
  return frames;
}

Deno.test("fixIpv4Checksums() makes a patched frame equal to one built from scratch", () => {
  const ends = {
    srcMac: "02:00:00:00:00:01",
    dstMac: "02:ff:00:00:00:01",
    dst: "192.0.2.10",
  };
  const options = { srcPort: 40000, dstPort: 80, flags: TCP_FLAGS.SYN };
  const patched = tcpFrame({ ...ends, src: "11.0.0.1" }, options);
  writeUint32(patched, IPV4_SRC, 0x0b2a0763); // 11.42.7.99
  fixIpv4Checksums(patched, 0);
  assert.deepEqual(patched, tcpFrame({ ...ends, src: "11.42.7.99" }, options));
});

Deno.test("writeMixedCapture() writes valid frames that decode without anomalies", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeMixedCapture(path, { packets: 3000, hosts: 500, seed: 3 });
    const frames = await framesOf(path);
    assert.deepEqual(frames.length, 3000);
    assert.deepEqual(frames.filter((f) => !checksumsValid(f)).length, 0);
    const kinds = new Set<string>();
    await readPacketFile(path, (packet) => {
      kinds.add(packet.app || packet.transport);
      assert.deepEqual(packet.anomaly, "");
    });
    for (const kind of ["tcp", "dns", "icmp", "none", "http_request"]) {
      assert.ok(kinds.has(kind), `no ${kind} packet`);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeMixedCapture() spaces packets gapUs apart, and refuses a gap that is not a positive integer", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeMixedCapture(path, { packets: 100, hosts: 50, gapUs: 5 });
    const times: number[] = [];
    await readPacketFile(path, (packet) => times.push(packet.timestampUs));
    assert.equal(times.length, 100);
    for (let i = 1; i < times.length; i++) {
      assert.equal(times[i]! - times[i - 1]!, 5);
    }
    for (const gapUs of [0, 2.5, -5]) {
      await assert.rejects(
        writeMixedCapture(path, { packets: 10, hosts: 5, gapUs }),
        new RangeError(
          `Cannot write mixed capture: gapUs must be a positive integer, got ${gapUs}`,
        ),
      );
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeSynFloodCapture() sends every SYN from its own source when sources equal packets", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeSynFloodCapture(path, { packets: 5000, sources: 5000 });
    const frames = await framesOf(path);
    assert.deepEqual(frames.filter((f) => !checksumsValid(f)).length, 0);
    const sources = new Set<string>();
    let syns = 0;
    await readPacketFile(path, (packet) => {
      sources.add(packet.srcAddress);
      if (packet.tcpFlags === TCP_FLAGS.SYN) syns++;
    });
    assert.deepEqual([sources.size, syns], [5000, 5000]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeDnsCapture() writes answered queries whose tunnel clients alone are reported", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeDnsCapture(path, {
      packets: 8000,
      clients: 50,
      tunnelClients: 2,
    });
    const frames = await framesOf(path);
    assert.deepEqual(frames.length, 8000);
    assert.deepEqual(frames.filter((f) => !checksumsValid(f)).length, 0);
    let queries = 0;
    let answers = 0;
    const engine = new AnalysisEngine();
    await readPacketFile(path, (packet) => {
      assert.deepEqual([packet.app, packet.anomaly], ["dns", ""]);
      if (packet.dnsResponse) answers++;
      else queries++;
      engine.observe(packet);
    });
    assert.deepEqual([queries, answers], [4000, 4000]);
    const alerts = engine.alerts().map((alert) =>
      `${alert.kind} ${alert.attacker}`
    ).sort();
    // Clients 0 and 1 (10.0.0.1 and 10.0.0.2) tunnel; the 48 others do not.
    assert.deepEqual(alerts, [
      "dns_tunnel 10.0.0.1",
      "dns_tunnel 10.0.0.2",
    ]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeArpCapture() writes a sweep whose answers are all asked for: the scanner alone is reported", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeArpCapture(path, { packets: 20_000, hosts: 300 });
    const engine = new AnalysisEngine();
    const requests = new Map<string, number>();
    let replies = 0;
    let frames = 0;
    await readPacketFile(path, (packet) => {
      frames++;
      assert.deepEqual([packet.network, packet.anomaly], ["arp", ""]);
      if (packet.arpOperation === 1) {
        requests.set(
          packet.srcAddress,
          (requests.get(packet.srcAddress) ?? 0) + 1,
        );
      } else {
        replies++;
        // A reply answers the request just before it: the scanner's, or a host's for the gateway.
        assert.ok(
          packet.dstAddress === ARP_SCANNER ||
            packet.srcAddress === ARP_GATEWAY,
          `${packet.srcAddress} → ${packet.dstAddress}`,
        );
      }
      engine.observe(packet);
    });
    assert.equal(frames, 20_000);
    const sweep = requests.get(ARP_SCANNER) ?? 0;
    assert.ok(sweep > frames / 2, `the sweep is most frames: ${sweep}`);
    assert.ok(replies > 0 && requests.size > 300);
    const alerts = engine.alerts().map((alert) =>
      `${alert.kind} ${alert.attacker}`
    );
    assert.deepEqual(alerts, [`arp_scan ${ARP_SCANNER}`]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeIcmpSweepCapture() pings a new address of the /16 with each packet: a sweep, and no flood", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeIcmpSweepCapture(path, { packets: 3_000 });
    const frames = await framesOf(path);
    assert.equal(frames.length, 3_000);
    assert.deepEqual(frames.filter((f) => !checksumsValid(f)).length, 0);
    const destinations = new Set<string>();
    const engine = new AnalysisEngine();
    await readPacketFile(path, (packet) => {
      assert.deepEqual(
        [packet.srcAddress, packet.transport, packet.icmpType, packet.anomaly],
        [SWEEP_SOURCE, "icmp", 8, ""],
      );
      destinations.add(packet.dstAddress);
      engine.observe(packet);
    });
    assert.equal(destinations.size, 3_000);
    const alerts = engine.alerts().map((alert) =>
      `${alert.kind} ${alert.attacker}`
    );
    assert.deepEqual(alerts, [`icmp_sweep ${SWEEP_SOURCE}`]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeIpv6SynFloodCapture() sends valid SYNs from as many IPv6 sources as asked: a SYN flood", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeIpv6SynFloodCapture(path, { packets: 6_000, sources: 2_000 });
    const frames = await framesOf(path);
    assert.equal(frames.length, 6_000);
    assert.deepEqual(frames.filter((f) => !checksumsValid(f)).length, 0);
    const sources = new Set<string>();
    const engine = new AnalysisEngine();
    await readPacketFile(path, (packet) => {
      assert.deepEqual(
        [packet.network, packet.dstAddress, packet.tcpFlags, packet.anomaly],
        ["ipv6", IPV6_FLOOD_VICTIM, TCP_FLAGS.SYN, ""],
      );
      assert.match(packet.srcAddress, /^2001:db8:/);
      sources.add(packet.srcAddress);
      engine.observe(packet);
    });
    assert.equal(sources.size, 2_000);
    const alerts = engine.alerts().map((alert) =>
      `${alert.kind} ${alert.victim}`
    );
    assert.deepEqual(alerts, [`syn_flood ${IPV6_FLOOD_VICTIM}`]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeHorizontalScanCapture() sends each scanner's SYNs to hosts never probed before: one port scan per scanner", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeHorizontalScanCapture(path, { packets: 6_000, scanners: 4 });
    const frames = await framesOf(path);
    assert.equal(frames.length, 6_000);
    assert.deepEqual(frames.filter((f) => !checksumsValid(f)).length, 0);
    const hosts = new Set<string>();
    const engine = new AnalysisEngine();
    await readPacketFile(path, (packet) => {
      assert.deepEqual(
        [packet.dstPort, packet.tcpFlags, packet.anomaly],
        [SCAN_PORT, TCP_FLAGS.SYN, ""],
      );
      assert.match(packet.srcAddress, /^10\.7\.0\.[1-4]$/);
      hosts.add(packet.dstAddress);
      engine.observe(packet);
    });
    assert.equal(hosts.size, 6_000);
    const alerts = engine.alerts().map((alert) =>
      `${alert.kind} ${alert.attacker}`
    ).sort();
    assert.deepEqual(alerts, [
      "port_scan 10.7.0.1",
      "port_scan 10.7.0.2",
      "port_scan 10.7.0.3",
      "port_scan 10.7.0.4",
    ]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeDhcpStarvationCapture() sends discovers from new client MACs and the server's offers, valid as tshark reads them: a DHCP starvation", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeDhcpStarvationCapture(path, { packets: 3_000 });
    const frames = await framesOf(path);
    assert.equal(frames.length, 3_000);
    assert.deepEqual(frames.filter((f) => !checksumsValid(f)).length, 0);
    const clients = new Set<string>();
    const types = new Map<number, number>();
    const engine = new AnalysisEngine();
    await readPacketFile(path, (packet) => {
      assert.equal(packet.anomaly, "");
      types.set(
        packet.dhcpMessageType,
        (types.get(packet.dhcpMessageType) ?? 0) + 1,
      );
      if (packet.dhcpMessageType === 1) {
        assert.equal(packet.srcMac, packet.dhcpClientMac);
        clients.add(packet.dhcpClientMac);
      } else {
        assert.deepEqual(
          [packet.srcAddress, packet.dhcpServerId, packet.dhcpRouters],
          [DHCP_SERVER, DHCP_SERVER, DHCP_SERVER],
        );
      }
      engine.observe(packet);
    });
    engine.finish();
    assert.deepEqual([...types], [[1, 1_500], [2, 1_500]]);
    assert.equal(clients.size, 1_500);
    const alerts = engine.alerts().map((alert) =>
      `${alert.kind} ${alert.attacker || "-"} ${alert.victim}`
    );
    assert.deepEqual(alerts, [`dhcp_starvation - ${DHCP_SERVER}`]);
    // tshark reads every message as DHCP, nothing malformed.
    const tshark = await new Deno.Command("tshark", {
      args: [
        "-r",
        path,
        "-Y",
        "dhcp && !_ws.malformed",
        "-T",
        "fields",
        "-e",
        "dhcp.option.dhcp",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const lines = new TextDecoder().decode(tshark.stdout).trim().split("\n");
    assert.equal(lines.length, 3_000);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeVxlanCapture(): every frame inside VXLAN, decoded back to the same packet, the carrier's checksum valid", async () => {
  const plain = await Deno.makeTempFile({ suffix: ".pcap" });
  const wrapped = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await writeMixedCapture(plain, { packets: 2_000, hosts: 100 });
    await writeVxlanCapture(plain, wrapped);
    const inner: string[] = [];
    await readPacketFile(plain, (packet) => {
      inner.push(JSON.stringify({
        ...plainPacket(packet),
        capturedLength: 0,
        wireLength: 0,
      }));
    });
    const outer: string[] = [];
    let frames = 0;
    await readPacketFile(wrapped, (packet, raw) => {
      frames++;
      const frame = raw.bytes.subarray(
        raw.offset,
        raw.offset + raw.capturedLength,
      );
      assert.equal(internetChecksum(frame.subarray(14, 34)), 0);
      assert.equal(packet.tunnel, "vxlan");
      assert.equal(packet.tunnelSrcAddress, VXLAN_SOURCE);
      assert.equal(packet.tunnelDstAddress, VXLAN_SENSOR);
      assert.equal(packet.tunnelId, VXLAN_BENCH_VNI);
      outer.push(JSON.stringify({
        ...plainPacket(packet),
        tunnel: "",
        tunnelSrcAddress: "",
        tunnelDstAddress: "",
        tunnelSrcAddressKey: -1,
        tunnelDstAddressKey: -1,
        tunnelId: -1,
        capturedLength: 0,
        wireLength: 0,
      }));
    });
    assert.equal(outer.length, 2_000);
    assert.equal(frames, 2_000);
    assert.deepEqual(outer, inner);
  } finally {
    await Deno.remove(plain);
    await Deno.remove(wrapped);
  }
});
