/**
 * False-positive checks on the real captures that ../shared/pcaps/MANIFEST.md
 * keeps out of truth.json because none of the sensor's alert kinds applies
 * to them, though each looks like one: SYN/ACK backscatter of a reflection
 * attack (the tool NetMirror replaces read SYN/ACK as SYN and called it a SYN
 * flood; it is a reflection flood, the one alert it may raise), an ICMP
 * tunnel (many echo requests, slowly) and a bulk transfer between two LAN
 * hosts (many bytes, not leaving the network). The whole engine must raise
 * nothing else on each, and each test first checks that the engine saw the
 * traffic that could have misled it.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import type { Alert } from "../detectors/alert.ts";
import { AnalysisEngine, type EngineConfig } from "../detectors/engine.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

const { SYN, ACK, RST } = TCP_FLAGS;

/** Replays `file` through a fresh engine (with `config`), passing each packet to `inspect` first (it may rewrite it). */
async function replay(
  file: string,
  inspect: (packet: PacketRecord) => void = () => {},
  config: EngineConfig = {},
): Promise<{ engine: AnalysisEngine; alerts: Alert[] }> {
  const engine = new AnalysisEngine(config);
  await readPacketFile(new URL(file, PCAPS).pathname, (packet) => {
    inspect(packet);
    engine.observe(packet);
  });
  engine.finish();
  return { engine, alerts: engine.alerts() };
}

function describe(alert: Alert): string {
  return `${alert.kind}(${alert.attacker || "*"}→${alert.victim || "*"})`;
}

const REFLECTION =
  "attacks/synack_reflection_flood_backscatter__amp.TCP.reflection.SYNACK.pcap";
const VICTIM = "10.10.10.10";

function isSynAck(packet: PacketRecord): boolean {
  return packet.transport === "tcp" &&
    (packet.tcpFlags & (SYN | ACK | RST)) === (SYN | ACK);
}

Deno.test("false positives: SYN/ACK backscatter of a reflection attack is no SYN flood: its one alert is the reflection flood's", async () => {
  const synAcksToVictim = new Set<string>();
  let synAcks = 0;
  const { alerts } = await replay(REFLECTION, (packet) => {
    if (!isSynAck(packet) || packet.dstAddress !== VICTIM) return;
    synAcks++;
    synAcksToVictim.add(packet.srcAddress);
  });
  // MANIFEST: 6651 SYN/ACKs from 6035 reflectors within 0.15 s.
  assert.ok(synAcks >= 6_000, `SYN/ACKs to ${VICTIM}: ${synAcks}`);
  assert.ok(synAcksToVictim.size >= 6_000, `${synAcksToVictim.size} sources`);
  assert.deepEqual(alerts.map(describe), [`reflection_flood(*→${VICTIM})`]);
  assert.equal(alerts[0]!.mitre.id, "T1498.002");
  assert.equal(alerts[0]!.evidence.topService, "TCP SYN/ACK");
});

Deno.test("false positives: the same backscatter read as SYNs (the old tool's mistake) is a SYN flood", async () => {
  // Rewriting each SYN/ACK's flags to SYN shows that no SYN flood above
  // comes from reading the flags right, not from traffic too small to
  // alert on.
  const { alerts } = await replay(REFLECTION, (packet) => {
    if (isSynAck(packet)) packet.tcpFlags = SYN;
  });
  assert.ok(
    alerts.some((alert) =>
      alert.kind === "syn_flood" && alert.victim === VICTIM
    ),
    `found ${alerts.map(describe).join(", ") || "none"}`,
  );
});

const TUNNEL = "attacks/icmptunnel_ssh_over_icmp_ptunnel__icmp-tunnel.pcap";

Deno.test("false positives: an ICMP tunnel is no ICMP flood or sweep: its one alert is the tunnel's", async () => {
  let echoRequests = 0;
  const { alerts } = await replay(TUNNEL, (packet) => {
    if (packet.transport === "icmp" && packet.icmpType === 8) echoRequests++;
  });
  // MANIFEST: 448 echo requests between two hosts over 1122 s, the
  // tunnel's client first; every reply carries other data than the request
  // it answers (ptunnel sends them all with one identifier and sequence
  // number: a reply answers the latest request). The alert's figures are
  // its last incident's: the tunnel fell quiet for 145 s in between.
  assert.ok(echoRequests >= 400, `echo requests: ${echoRequests}`);
  assert.deepEqual(alerts.map(describe), [
    "icmp_tunnel(192.168.154.131→192.168.154.132)",
  ]);
  const [tunnel] = alerts;
  assert.equal(tunnel!.mitre.id, "T1095");
  const differing = tunnel!.evidence.differingReplies as number;
  assert.ok(differing >= 300, `${differing} differing replies`);
  assert.equal(tunnel!.evidence.judgedReplies, differing);
});

Deno.test("false positives: the same tunnel as pings would send it, one pattern in every request and every reply an echo, is no ICMP tunnel", async () => {
  // The quiet of every other capture's pings comes from the echoes' data,
  // not from traffic the tunnel detector cannot see: this one's requests,
  // given one pattern past their send time, and its replies, made echoes,
  // raise nothing.
  const requests = new Map<string, [number, number]>();
  let echoed = 0;
  let pattern = -1;
  const { alerts } = await replay(TUNNEL, (packet) => {
    if (packet.transport !== "icmp") return;
    const key = `${packet.icmpId}/${packet.icmpSeq}`;
    const request = requests.get(key);
    if (packet.icmpType === 8) {
      if (pattern < 0) pattern = packet.icmpEchoTailSum;
      packet.icmpEchoTailSum = pattern;
      packet.payloadLength = 64;
      requests.set(key, [packet.icmpEchoSum, packet.payloadLength]);
    } else if (packet.icmpType === 0 && request !== undefined) {
      [packet.icmpEchoSum, packet.payloadLength] = request;
      echoed++;
    }
  });
  assert.ok(echoed >= 400, `${echoed} replies made echoes`);
  assert.ok(pattern >= 0);
  assert.deepEqual(alerts.map(describe), []);
});

Deno.test("false positives: the same tunnel seen one way, its requests only, is an ICMP tunnel by the requests' data", async () => {
  // A tap that sees the client's side only: the replies' comparison has
  // nothing to judge, the requests' changing data still tells.
  const { alerts } = await replay(TUNNEL, (packet) => {
    if (packet.transport === "icmp" && packet.icmpType === 0) {
      packet.transport = "other"; // out of every ICMP analyzer's sight
    }
  });
  assert.deepEqual(alerts.map(describe), [
    "icmp_tunnel(192.168.154.131→192.168.154.132)",
  ]);
  const [tunnel] = alerts;
  assert.equal(tunnel!.evidence.judgedReplies, 0);
  const novel = tunnel!.evidence.requestsWithNewData as number;
  assert.ok(novel >= 8, `${novel} requests with new data`);
  assert.match(
    tunnel!.summary,
    /echo requests with new data past the send time/,
  );
});

Deno.test("false positives: the same tunnel squeezed into half a second is an ICMP flood", async () => {
  // Packet time 2 000 times faster: the quiet above comes from the tunnel's
  // rate, not from traffic the flood detector cannot see.
  let firstUs = -1;
  const { alerts } = await replay(TUNNEL, (packet) => {
    if (firstUs < 0) firstUs = packet.timestampUs;
    packet.timestampUs = firstUs +
      Math.floor((packet.timestampUs - firstUs) / 2_000);
  });
  assert.ok(
    alerts.some((alert) => alert.kind === "icmp_flood"),
    `found ${alerts.map(describe).join(", ") || "none"}`,
  );
});

const DCC = "benign/bulk_lan_irc_dcc_send_1.4MB__irc-dcc-send.pcapng";
/** truth.json's threshold for its small exfiltration captures: the 1.32 MB transfer is above it. */
const EXFIL_MIN_BYTES = 1_000_000;

Deno.test("false positives: a bulk transfer between two LAN hosts is no data exfiltration", async () => {
  const { engine, alerts } = await replay(DCC, undefined, {
    dataExfil: { exfilMinBytes: EXFIL_MIN_BYTES },
  });
  const top = engine.stats.snapshot().conversations.session[0];
  assert.ok(top !== undefined, "a conversation");
  // MANIFEST: 10.0.0.7 sends 1.32 MB to 10.0.0.22; both are RFC 1918 hosts.
  assert.deepEqual([top.hostA, top.hostB], ["10.0.0.22", "10.0.0.7"]);
  assert.ok(top.bytes >= 1_320_000, `top conversation: ${top.bytes} bytes`);
  assert.deepEqual(alerts.map(describe), []);
});

Deno.test("false positives: the same transfer to a host outside the home network is data exfiltration", async () => {
  // Only the sender is home: the quiet above comes from the home network.
  const { alerts } = await replay(DCC, undefined, {
    homeNet: ["10.0.0.7/32"],
    dataExfil: { exfilMinBytes: EXFIL_MIN_BYTES },
  });
  assert.deepEqual(
    alerts.filter((alert) => alert.kind === "data_exfil").map(describe),
    ["data_exfil(10.0.0.7→10.0.0.22)"],
  );
});
