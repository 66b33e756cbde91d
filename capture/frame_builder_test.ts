import assert from "node:assert/strict";
import {
  arpFrame,
  dnsMessage,
  icmpFrame,
  internetChecksum,
  parseIpv6,
  tcpFrame,
  udpFrame,
} from "./frame_builder.ts";
import { PcapBuilder } from "./pcap_writer.ts";
import { TCP_FLAGS } from "./packet_record.ts";
import { LINK_TYPE } from "./pcap_record.ts";

const V4 = {
  srcMac: "02:00:00:00:00:01",
  dstMac: "02:00:00:00:00:02",
  src: "10.0.0.1",
  dst: "10.0.0.2",
};
const V6 = { ...V4, src: "2001:db8::1", dst: "2001:db8::2" };

Deno.test("internetChecksum() matches the RFC 1071 example", () => {
  // RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2, checksum 220d
  const bytes = new Uint8Array([
    0x00,
    0x01,
    0xf2,
    0x03,
    0xf4,
    0xf5,
    0xf6,
    0xf7,
  ]);
  assert.equal(internetChecksum(bytes), 0x220d);
});

Deno.test("parseIpv6() expands :: compression", () => {
  assert.deepEqual(
    [...parseIpv6("2001:db8::1")],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  );
  assert.deepEqual([...parseIpv6("::")], new Array(16).fill(0));
  assert.throws(() => parseIpv6("1::2::3"), TypeError);
  assert.throws(() => parseIpv6("1:2:3"), TypeError);
});

Deno.test("built frames are valid for tcpdump: summaries match and checksums are correct", async () => {
  const pcap = new PcapBuilder(LINK_TYPE.ETHERNET);
  const t = 1_700_000_000_000_000;
  pcap.add(
    t,
    tcpFrame(V4, {
      srcPort: 40000,
      dstPort: 80,
      flags: TCP_FLAGS.SYN,
      seq: 1000,
    }),
  );
  pcap.add(
    t + 1,
    tcpFrame(V4, {
      srcPort: 40000,
      dstPort: 80,
      flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK,
      seq: 1001,
      ack: 5,
    }, new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n")),
  );
  pcap.add(
    t + 2,
    udpFrame(
      V4,
      { srcPort: 5353, dstPort: 53 },
      dnsMessage({ id: 0x1234, name: "example.com", qtype: 1 }),
    ),
  );
  pcap.add(t + 3, icmpFrame(V4, { type: 8, id: 7, seq: 1 }, new Uint8Array(8)));
  pcap.add(
    t + 4,
    arpFrame({
      operation: 1,
      senderMac: V4.srcMac,
      senderIp: V4.src,
      targetMac: "00:00:00:00:00:00",
      targetIp: V4.dst,
    }),
  );
  pcap.add(
    t + 5,
    tcpFrame(V6, { srcPort: 40001, dstPort: 443, flags: TCP_FLAGS.SYN }),
  );
  pcap.add(t + 6, icmpFrame(V6, { type: 128, id: 1, seq: 2 }));
  pcap.add(
    t + 7,
    udpFrame(
      V6,
      { srcPort: 53, dstPort: 5353 },
      dnsMessage({
        id: 0x1234,
        name: "example.com",
        qtype: 1,
        response: true,
        answers: ["93.184.216.34"],
      }),
    ),
  );
  const file = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(file, pcap.toBytes());
    const output = await new Deno.Command("tcpdump", {
      args: ["-nn", "-vv", "-t", "-r", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.doesNotMatch(
      text,
      /incorrect|bad cksum|bad udp cksum|truncated/i,
      text,
    );
    assert.match(
      text,
      /10\.0\.0\.1\.40000 > 10\.0\.0\.2\.80: Flags \[S\], cksum 0x[0-9a-f]+ \(correct\), seq 1000/,
    );
    assert.match(text, /length 18: HTTP, length: 18\n\tGET \/ HTTP\/1\.1/);
    assert.match(
      text,
      /10\.0\.0\.1\.5353 > 10\.0\.0\.2\.53: \[udp sum ok\] 4660\+ A\? example\.com\./,
    );
    assert.match(text, /ICMP echo request, id 7, seq 1/);
    assert.match(
      text,
      /ARP, Ethernet \(len 6\), IPv4 \(len 4\), Request who-has 10\.0\.0\.2 tell 10\.0\.0\.1/,
    );
    assert.match(
      text,
      /2001:db8::1\.40001 > 2001:db8::2\.443: Flags \[S\], cksum 0x[0-9a-f]+ \(correct\)/,
    );
    assert.match(text, /ICMP6, echo request, id 1, seq 2/);
    assert.match(
      text,
      /\[udp sum ok\] 4660 q: A\? example\.com\. 1\/0\/0 example\.com\. A 93\.184\.216\.34/,
    );
  } finally {
    await Deno.remove(file);
  }
});
