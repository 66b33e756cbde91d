import assert from "node:assert/strict";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import {
  arpPacket,
  dhcpv4Message,
  dnsMessage,
  ethernetFrame,
  tcpFrame,
  udpFrame,
} from "../capture/frame_builder.ts";
import { publicPacketFields, TCP_FLAGS } from "../capture/packet_record.ts";
import { type PacketLayer, packetLayers } from "./packet_layers.ts";

const LAN = {
  srcMac: "08:00:27:00:00:01",
  dstMac: "08:00:27:00:00:02",
  src: "192.168.1.23",
  dst: "192.168.1.1",
};

/** The API's record of `frame` (GET /api/packets/:n), as packet 7. */
function recordOf(frame: Uint8Array): Record<string, unknown> {
  const { packet } = decodeFrame(frame, {
    timestampUs: 1_700_000_000_000_000,
  });
  return { n: 7, ...publicPacketFields(packet) };
}

function valueOf(layers: PacketLayer[], title: string, label: string) {
  return layers.find((layer) => layer.title === title)?.fields
    .find((field) => field.label === label)?.value;
}

Deno.test("packetLayers() shows a DHCP discover's layers only, its codes named", () => {
  const discover = udpFrame(
    { ...LAN, src: "0.0.0.0", dst: "255.255.255.255" },
    { srcPort: 68, dstPort: 67 },
    dhcpv4Message({ type: 1, transactionId: 9, clientMac: LAN.srcMac }),
  );
  const layers = packetLayers(recordOf(discover));
  assert.deepEqual(layers.map((layer) => layer.title), [
    "Frame",
    "Ethernet",
    "IPv4",
    "UDP",
    "DHCP",
  ]);
  assert.equal(valueOf(layers, "Frame", "Link type"), "1 (Ethernet)");
  assert.equal(valueOf(layers, "Ethernet", "EtherType"), "0x0800 (IPv4)");
  assert.equal(valueOf(layers, "IPv4", "Protocol"), "17 (UDP)");
  assert.equal(valueOf(layers, "DHCP", "Message type"), "1 (DISCOVER)");
  assert.equal(valueOf(layers, "DHCP", "Client MAC"), LAN.srcMac);
  // No TCP fields (flags 0x00, seq 0) on a UDP packet, nothing absent shown.
  const labels = layers.flatMap((layer) => layer.fields.map((f) => f.value));
  assert.ok(!labels.includes("—"));
  assert.ok(
    !layers.some((layer) =>
      layer.fields.some((f) => f.field.startsWith("tcp"))
    ),
  );
});

Deno.test("packetLayers() names a SYN/ACK's flags in words, and its acknowledgement", () => {
  const synAck = tcpFrame(LAN, {
    srcPort: 443,
    dstPort: 51000,
    flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK,
    seq: 1000,
    ack: 2001,
  });
  const layers = packetLayers(recordOf(synAck));
  assert.deepEqual(layers.map((layer) => layer.title), [
    "Frame",
    "Ethernet",
    "IPv4",
    "TCP",
  ]);
  assert.equal(valueOf(layers, "TCP", "Flags"), "SYN, ACK (0x12)");
  assert.equal(valueOf(layers, "TCP", "Acknowledgement number"), "2001");
  assert.equal(valueOf(layers, "IPv4", "Protocol"), "6 (TCP)");
  const syn = tcpFrame(LAN, {
    srcPort: 51000,
    dstPort: 443,
    flags: TCP_FLAGS.SYN,
  });
  const synLayers = packetLayers(recordOf(syn));
  assert.equal(valueOf(synLayers, "TCP", "Flags"), "SYN (0x02)");
  assert.equal(valueOf(synLayers, "TCP", "Acknowledgement number"), undefined);
});

Deno.test("packetLayers() names a DNS answer's type and response code", () => {
  const answer = udpFrame(
    { ...LAN, src: LAN.dst, dst: LAN.src },
    { srcPort: 53, dstPort: 40000 },
    dnsMessage({
      id: 0x1234,
      name: "nowhere.example",
      qtype: 28,
      response: true,
      rcode: 3,
    }),
  );
  const layers = packetLayers(recordOf(answer));
  assert.deepEqual(layers.map((layer) => layer.title).slice(-1), ["DNS"]);
  assert.equal(valueOf(layers, "DNS", "Transaction id"), "0x1234");
  assert.equal(valueOf(layers, "DNS", "Kind"), "response");
  assert.equal(valueOf(layers, "DNS", "Question"), "nowhere.example AAAA");
  assert.equal(valueOf(layers, "DNS", "Response code"), "3 (NXDOMAIN)");
  assert.equal(valueOf(layers, "DNS", "Opcode"), "0 (QUERY)");
});

Deno.test("packetLayers() shows an ARP request as ARP, with no IP layer", () => {
  const request = ethernetFrame(
    { srcMac: LAN.srcMac, dstMac: "ff:ff:ff:ff:ff:ff", etherType: 0x0806 },
    arpPacket({
      operation: 1,
      senderMac: LAN.srcMac,
      senderIp: LAN.src,
      targetMac: "00:00:00:00:00:00",
      targetIp: LAN.dst,
    }),
  );
  const layers = packetLayers(recordOf(request));
  assert.deepEqual(layers.map((layer) => layer.title), [
    "Frame",
    "Ethernet",
    "ARP",
  ]);
  assert.equal(valueOf(layers, "ARP", "Operation"), "1 (request)");
  assert.equal(valueOf(layers, "ARP", "Target IP"), LAN.dst);
  assert.equal(valueOf(layers, "Ethernet", "EtherType"), "0x0806 (ARP)");
});

Deno.test("packetLayers() shows an HTTP request's method, target and host as the packet wrote them", () => {
  const request = tcpFrame(
    LAN,
    {
      srcPort: 50000,
      dstPort: 80,
      flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK,
    },
    new TextEncoder().encode(
      "GET /a,b HTTP/1.1\r\nHost: h.test\r\nUser-Agent: curl/8.5.0\r\n\r\n",
    ),
  );
  const layers = packetLayers(recordOf(request));
  assert.equal(valueOf(layers, "Application", "HTTP method"), "GET");
  assert.equal(valueOf(layers, "Application", "HTTP target"), "/a,b");
  assert.equal(valueOf(layers, "Application", "HTTP host"), "h.test");
  assert.equal(valueOf(layers, "Application", "HTTP user agent"), "curl/8.5.0");
  assert.equal(valueOf(layers, "Application", "HTTP status"), undefined);
});

Deno.test("packetLayers() tells a frame the sensor kept cut from one the capture cut", () => {
  const frame = tcpFrame(LAN, {
    srcPort: 50000,
    dstPort: 80,
    flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK,
  }, new Uint8Array(3000));
  const { packet } = decodeFrame(frame, {
    timestampUs: 1_700_000_000_000_000,
    capturedLength: 2048,
  });
  const fields = { n: 7, ...publicPacketFields(packet) };
  const capture = packetLayers(fields);
  assert.match(
    valueOf(capture, "Frame", "Captured")!,
    /\(cut by the snap length\)$/,
  );
  const sensor = packetLayers({ ...fields, cutBySensor: true });
  assert.match(
    valueOf(sensor, "Frame", "Captured")!,
    /kept by the sensor \(the session PCAP has the whole frame\)$/,
  );
  assert.match(valueOf(sensor, "Frame", "Truncated")!, /^the sensor keeps/);
});
