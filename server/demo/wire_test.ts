import assert from "node:assert/strict";
import {
  ETHER_TYPE,
  ethernetFrame,
  icmpMessage,
  ipv4Packet,
  ipv6Packet,
  tcpSegment,
  udpDatagram,
} from "../../capture/frame_builder.ts";
import { TCP_FLAGS } from "../../capture/packet_record.ts";
import { Prng } from "./prng.ts";
import {
  type Endpoint,
  icmpFrame,
  IP_PROTOCOL,
  TcpConnection,
  tcpFrame,
  udpFrame,
} from "./wire.ts";

function v4(ip: string, mac: string, ttl = 64, ipId = 0x1234): Endpoint {
  return { ip, mac, ttl, ipId };
}

/** What capture/frame_builder.ts builds for the same packet. */
function reference(
  src: Endpoint,
  dst: Endpoint,
  protocol: number,
  transport: Uint8Array,
  dontFragment: boolean,
): Uint8Array {
  const v6 = src.ip.includes(":");
  const ip = v6
    ? ipv6Packet({
      src: src.ip,
      dst: dst.ip,
      nextHeader: protocol,
      hopLimit: src.ttl,
    }, transport)
    : ipv4Packet({
      src: src.ip,
      dst: dst.ip,
      protocol,
      ttl: src.ttl,
      id: src.ipId,
      dontFragment,
    }, transport);
  return ethernetFrame({
    srcMac: src.mac,
    dstMac: dst.mac,
    etherType: v6 ? ETHER_TYPE.IPV6 : ETHER_TYPE.IPV4,
  }, ip);
}

const PAIRS: readonly (readonly [Endpoint, Endpoint])[] = [
  [
    v4("192.168.1.23", "8c:8d:28:5e:02:17", 128, 0xfffe),
    v4("203.0.113.50", "24:5a:4c:6b:10:01", 50, 7),
  ],
  [
    v4("fd00::16", "dc:a6:32:8e:51:10", 64, 0),
    v4("fd00::5", "00:11:32:a4:5e:21", 64, 0),
  ],
];

Deno.test("tcpFrame() is byte-identical to capture/frame_builder.ts, IPv4 and IPv6, odd and even payloads", () => {
  const prng = new Prng(11);
  for (const [a, b] of PAIRS) {
    for (const length of [0, 1, 2, 57, 1460]) {
      const payload = prng.bytes(length);
      const tcp = {
        srcPort: prng.int(1, 65_535),
        dstPort: 443,
        flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK,
        seq: prng.uint32(),
        ack: prng.uint32(),
        window: 64_240,
      };
      const src = { ...a };
      const expected = reference(
        src,
        b,
        IP_PROTOCOL.TCP,
        tcpSegment({ ...tcp, src: a.ip, dst: b.ip }, payload),
        true,
      );
      assert.deepEqual(tcpFrame(a, b, tcp, payload), expected);
    }
  }
});

Deno.test("udpFrame() and icmpFrame() are byte-identical to capture/frame_builder.ts", () => {
  const prng = new Prng(12);
  for (const [a, b] of PAIRS) {
    for (const length of [0, 3, 48, 301]) {
      const payload = prng.bytes(length);
      let expected = reference(
        { ...a },
        b,
        IP_PROTOCOL.UDP,
        udpDatagram(
          { src: a.ip, dst: b.ip, srcPort: 5353, dstPort: 53 },
          payload,
        ),
        false,
      );
      assert.deepEqual(udpFrame(a, b, 5353, 53, payload), expected);
      const v6 = a.ip.includes(":");
      const icmp = { type: v6 ? 128 : 8, id: 0xbeef, seq: length };
      expected = reference(
        { ...a },
        b,
        v6 ? IP_PROTOCOL.ICMPV6 : IP_PROTOCOL.ICMP,
        icmpMessage(
          v6 ? { ...icmp, v6: { src: a.ip, dst: b.ip } } : icmp,
          payload,
        ),
        false,
      );
      assert.deepEqual(icmpFrame(a, b, icmp, payload), expected);
    }
  }
});

Deno.test("IPv4 frames advance the sender's IP id, wrapping at 65 535", () => {
  const [a, b] = PAIRS[0]!;
  const src = { ...a, ipId: 0xffff };
  udpFrame(src, b, 1, 2, new Uint8Array(4));
  assert.equal(src.ipId, 0);
  const frame = udpFrame(src, b, 1, 2, new Uint8Array(4));
  assert.deepEqual([frame[18], frame[19]], [0, 0]);
  assert.equal(src.ipId, 1);
});

Deno.test("bad addresses throw TypeError", () => {
  const [a, b] = PAIRS[0]!;
  assert.throws(
    () => udpFrame({ ...a, ip: "192.168.1.256" }, b, 1, 2, new Uint8Array(0)),
    TypeError,
  );
  assert.throws(
    () => udpFrame({ ...a, mac: "8c:8d:28:5e:02" }, b, 1, 2, new Uint8Array(0)),
    TypeError,
  );
});

Deno.test("TcpConnection keeps sequence and acknowledgement numbers consistent", () => {
  const [client, server] = PAIRS[0]!;
  const conn = new TcpConnection({
    client: { ...client },
    server: { ...server },
    clientPort: 50_000,
    serverPort: 443,
    clientIsn: 0xffff_fff0,
    serverIsn: 1000,
  });
  const read = (frame: Uint8Array) => {
    const view = new DataView(frame.buffer, 14 + 20);
    return {
      seq: view.getUint32(4),
      ack: view.getUint32(8),
      flags: frame[14 + 20 + 13],
    };
  };
  assert.deepEqual(read(conn.syn()), {
    seq: 0xffff_fff0,
    ack: 0,
    flags: TCP_FLAGS.SYN,
  });
  assert.deepEqual(read(conn.synAck()), {
    seq: 1000,
    ack: 0xffff_fff1,
    flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK,
  });
  conn.ack(true);
  // 20 bytes from the client wrap its sequence number past 2^32.
  assert.equal(read(conn.data(true, new Uint8Array(20))).seq, 0xffff_fff1);
  assert.equal(conn.clientNext, 0x05);
  assert.equal(read(conn.ack(false)).ack, 0x05);
  assert.equal(read(conn.data(false, new Uint8Array(100))).seq, 1001);
  assert.equal(read(conn.ack(true)).ack, 1101);
  assert.equal(read(conn.ack(false, 3)).ack, 3);
  assert.equal(read(conn.fin(true)).seq, 0x05);
  assert.equal(read(conn.fin(false)).ack, 0x06);
  assert.equal(conn.serverNext, 1102);
});
