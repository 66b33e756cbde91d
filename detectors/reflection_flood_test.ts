import assert from "node:assert/strict";
import {
  type PacketRecord,
  SERVICE_REPLY,
  TCP_FLAGS,
} from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import {
  createReflectionFloodDetector,
  REFLECTION_FLOOD_DEFAULTS,
  type ReflectionFloodOptions,
} from "./reflection_flood.ts";
import {
  findingsOf,
  SECOND_US,
  T0,
  tcpPacket,
  udpPacket,
  withAddressKeys,
} from "./test_packets.ts";

const VICTIM = "198.51.100.7";
const VICTIM6 = "2001:db8:7::7";
const { minPackets, minReflectors } = REFLECTION_FLOOD_DEFAULTS;
const { SYN, ACK } = TCP_FLAGS;

/** Reflector `n` (0–65 535), an address of 203.0.0.0/16. */
function reflector(n: number): string {
  return `203.0.${n >> 8}.${n & 0xff}`;
}

interface ReplyFields {
  atUs: number;
  from: string;
  to?: string;
  srcPort?: number;
  dstPort?: number;
  ipLength?: number;
}

/** A UDP reply (a DNS answer unless told) from `from` to the victim. */
function reply(fields: ReplyFields): PacketRecord {
  const packet = udpPacket({
    atUs: fields.atUs,
    src: fields.from,
    dst: fields.to ?? VICTIM,
    srcPort: fields.srcPort ?? 53,
    dstPort: fields.dstPort ?? 80,
  });
  packet.ipLength = fields.ipLength ?? 512;
  return packet;
}

/** `count` replies `stepUs` apart from `reflectors` reflectors in turn. */
function* flood(
  count: number,
  reflectors: number,
  fields: Partial<ReplyFields> = {},
  startUs = T0,
  stepUs = 1_000,
): Generator<PacketRecord> {
  for (let i = 0; i < count; i++) {
    yield reply({
      from: reflector(i % reflectors),
      ...fields,
      atUs: startUs + i * stepUs,
    });
  }
}

function run(
  packets: Iterable<PacketRecord>,
  options: ReflectionFloodOptions = {},
): Finding[] {
  return findingsOf(createReflectionFloodDetector(options), packets);
}

/** The victim's own request to `to`'s `port` (UDP, or a SYN with `tcp`). */
function request(
  atUs: number,
  to: string,
  port = 53,
  tcp = false,
  from = VICTIM,
): PacketRecord {
  const fields = { atUs, src: from, dst: to, srcPort: 40_000, dstPort: port };
  return tcp ? tcpPacket({ ...fields, flags: SYN }) : udpPacket(fields);
}

Deno.test("reflection_flood: DNS answers nobody asked for, from many resolvers, make one finding at the threshold", () => {
  assert.deepEqual(run(flood(minPackets - 1, 40)), []);
  const findings = run(flood(minPackets, 40));
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.kind, "reflection_flood");
  assert.equal(finding.key, VICTIM);
  assert.equal(finding.victim, VICTIM);
  assert.equal(finding.attacker, "");
  assert.equal(finding.severity, "high");
  assert.equal(finding.timestampUs, T0 + (minPackets - 1) * 1_000);
  assert.equal(finding.startUs, T0);
  assert.equal(finding.evidence.replies, minPackets);
  assert.equal(finding.evidence.bytes, minPackets * 512);
  assert.equal(finding.evidence.distinctReflectors, 40);
  assert.equal(finding.evidence.topService, "DNS (UDP 53)");
  assert.deepEqual(finding.evidence.services, [
    "DNS (UDP 53): 1000 packets, 500.0 KiB",
  ]);
  assert.equal((finding.evidence.sampleReflectors as string[]).length, 20);
  assert.match(
    finding.summary,
    /^198\.51\.100\.7 received 1000 replies it never asked for \(500\.0 KiB\) from about 40 servers in 0\.999 s, mostly DNS \(UDP 53\)/,
  );
});

Deno.test("reflection_flood: a megabyte of big answers makes a flood before the packet threshold", () => {
  const findings = run(flood(800, 40, { ipLength: 1_400 }));
  assert.equal(findings.length, 1);
  // 1 MiB / 1 400 B: the 749th answer.
  assert.equal(findings[0]!.evidence.replies, 749);
});

Deno.test("reflection_flood: fewer reflectors than minReflectors make no flood (backscatter of one server)", () => {
  assert.deepEqual(run(flood(1_500, minReflectors - 1)), []);
  assert.equal(run(flood(1_500, minReflectors)).length, 1);
});

/** The victim's query to each reply's source just before it (`shift` µs earlier), then the reply. */
function asked(
  replies: Iterable<PacketRecord>,
  shift = 100,
): PacketRecord[] {
  return [...replies].flatMap((reply) => [
    request(reply.timestampUs - shift, reply.srcAddress, reply.srcPort),
    reply,
  ]);
}

Deno.test("reflection_flood: answers to the victim's own queries are no flood", () => {
  assert.deepEqual(run(asked(flood(1_500, 40))), []);
  // Asked more than the memory (one to two generations) before: a flood.
  const requests = asked(flood(1_500, 40)).filter((p) => p.dstPort === 53);
  const replies = [...flood(1_500, 40, {}, T0 + 70 * SECOND_US)];
  assert.equal(run([...requests, ...replies]).length, 1);
});

Deno.test("reflection_flood: a request solicits up to repliesPerRequest replies; beyond them, an NTP monlist's hundred are a flood", () => {
  // The victim's address asks each of 50 servers once (its own request, or
  // the attacker's forgery seen on its link); each answers with 100
  // datagrams of 468 bytes.
  const packets: PacketRecord[] = [];
  for (let server = 0; server < 50; server++) {
    const startUs = T0 + server * 20_000;
    packets.push(request(startUs, reflector(server), 123));
    for (let i = 0; i < 100; i++) {
      const monlist = reply({
        atUs: startUs + 100 + i * 100,
        from: reflector(server),
        srcPort: 123,
        ipLength: 468,
      });
      monlist.udpServiceReply = SERVICE_REPLY.YES;
      packets.push(monlist);
    }
  }
  const findings = run(packets);
  assert.ok(findings.length > 0);
  // 16 a request were asked for, 84 not: over 1 000 by the 12th server, and
  // the 20th server's first makes the flood.
  assert.equal(findings[0]!.evidence.replies, 19 * 84 + 1);
  assert.equal(findings[0]!.evidence.distinctReflectors, 20);
  assert.equal(findings[0]!.evidence.topService, "NTP (UDP 123)");
  assert.deepEqual(run(packets, { repliesPerRequest: 100 }), []);
});

Deno.test("reflection_flood: a query to a multicast or broadcast address solicits its port's answers from the link, not from the Internet", () => {
  // SSDP's M-SEARCH, answered by 40 devices (to their port 1900).
  const devices = (to: string, mac = "", from = (n: number) => lanHost(n)) => {
    const search = request(T0, to, 1_900);
    search.dstMac = mac;
    return [
      search,
      ...[...flood(1_500, 40, { srcPort: 1_900 }, T0 + 1_000)].map(
        (packet, i) => {
          packet.srcAddress = from(i % 40);
          return withAddressKeys(packet);
        },
      ),
    ];
  };
  assert.deepEqual(run(devices("239.255.255.250")), []);
  assert.deepEqual(run(devices("198.51.100.255", "ff:ff:ff:ff:ff:ff")), []);
  assert.deepEqual(run(devices("198.51.100.1", "ff:ff:ff:ff:ff:ff")), []);
  assert.deepEqual(run(devices("198.51.100.1", "01:00:5e:7f:ff:fa")), []);
  // Devices with private addresses on a bigger link.
  const privately = (n: number) => `10.20.${n}.9`;
  assert.deepEqual(run(devices("239.255.255.250", "", privately)), []);
  // To one device, the others' answers are unsolicited.
  assert.equal(run(devices("198.51.100.1", "02:00:00:00:00:01")).length, 1);
  // From Internet servers, which hear no M-SEARCH: an SSDP reflection.
  assert.equal(run(devices("239.255.255.250", "", reflector)).length, 1);
  // Devices with public addresses whose TTL no router lowered: the link's.
  const onLink = devices("239.255.255.250", "", reflector).map((packet) => {
    packet.ttl = 64;
    return packet;
  });
  assert.deepEqual(run(onLink), []);
  // IPv6 devices with global addresses of the victim's /64.
  const search6 = request(T0, "ff02::c", 1_900, false, VICTIM6);
  const answers6 = [
    ...flood(1_500, 40, { srcPort: 1_900, to: VICTIM6 }, T0 + 1_000),
  ]
    .map((packet, i) => {
      packet.srcAddress = `2001:db8:7::${100 + (i % 40)}`;
      packet.network = "ipv6";
      return withAddressKeys(packet);
    });
  assert.deepEqual(run([search6, ...answers6]), []);
});

/** Host `n` of the victim's /24. */
function lanHost(n: number): string {
  return `198.51.100.${100 + n}`;
}

Deno.test("reflection_flood: a busy resolver captured mid-work, asking as much as it is answered, is no flood", () => {
  // Answers to queries sent before the capture began, then as many queries
  // of its own as answers: the ratio holds it under the threshold.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 3_000; i++) {
    const atUs = T0 + i * 100;
    packets.push(reply({ atUs, from: reflector(i % 100) }));
    packets.push(request(atUs, reflector(10_000 + i)));
  }
  assert.deepEqual(run(packets), []);
  assert.equal(run(packets, { requestRatio: 0 })[0]!.evidence.replies, 1_000);
});

Deno.test("reflection_flood: TCP SYN/ACKs from many servers to a host that sent no SYN are a flood; a SYN flood victim's own SYN/ACKs are not", () => {
  const synAcks = (syns: boolean) => {
    const packets: PacketRecord[] = [];
    for (let i = 0; i < 1_500; i++) {
      const atUs = T0 + i * 100;
      const server = reflector(i);
      if (syns) packets.push(request(atUs, server, 443, true));
      const synAck = tcpPacket({
        atUs: atUs + 50,
        src: server,
        dst: VICTIM,
        srcPort: 443,
        dstPort: 40_000,
        flags: SYN | ACK,
      });
      synAck.ipLength = 44;
      packets.push(synAck);
    }
    return packets;
  };
  const findings = run(synAcks(false));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.topService, "TCP SYN/ACK");
  assert.equal(findings[0]!.evidence.replies, minPackets);
  // A spoofed SYN flood: each SYN/ACK answers a SYN "from" its destination.
  assert.deepEqual(run(synAcks(true)), []);
});

Deno.test("reflection_flood: the later fragments of an unsolicited answer count as it does; others do not", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 400; i++) {
    const atUs = T0 + i * 1_000;
    const first = reply({ atUs, from: reflector(i % 30), ipLength: 1_500 });
    first.fragment = true;
    first.fragmentId = i;
    packets.push(first);
    for (let k = 0; k < 2; k++) {
      const later = withAddressKeys(reply({
        atUs: atUs + k + 1,
        from: reflector(i % 30),
        ipLength: 1_500,
      }));
      later.transport = "other";
      later.srcPort = -1;
      later.dstPort = -1;
      later.fragment = true;
      later.laterFragment = true;
      later.fragmentId = i;
      packets.push(later);
    }
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  // 1 MiB / 1 500 B: the 700th packet, fragments included.
  assert.equal(findings[0]!.evidence.replies, 700);
  assert.equal(findings[0]!.evidence.topService, "DNS (UDP 53)");
  // Later fragments alone (their first fragments unseen) count nothing.
  assert.deepEqual(run(packets.filter((p) => p.laterFragment)), []);
});

Deno.test("reflection_flood: announcements to groups, SNMP traps, DNS queries and what the decoder read as requests are no replies", () => {
  assert.deepEqual(run(flood(3_000, 40, { to: "224.0.0.251" })), []);
  // Traps to port 162 from the victim's network (SNMPv3's, encrypted,
  // which the decoder cannot tell); from the Internet, GetBulk answers to
  // requests forged from port 162: a flood.
  const near = (packets: Iterable<PacketRecord>) =>
    [...packets].map((packet, i) => {
      packet.srcAddress = lanHost(i % 40);
      return withAddressKeys(packet);
    });
  assert.deepEqual(
    run(near(flood(3_000, 40, { srcPort: 161, dstPort: 162 }))),
    [],
  );
  assert.equal(
    run(flood(1_500, 40, { srcPort: 161, dstPort: 162 })).length,
    1,
  );
  assert.deepEqual(run(flood(3_000, 40, { srcPort: 40_000 })), []);
  const queries = [...flood(3_000, 40)].map((packet) => {
    packet.dnsId = 7;
    packet.dnsResponse = false;
    return packet;
  });
  assert.deepEqual(run(queries), []);
  const polls = [...flood(3_000, 40, { srcPort: 123 })].map((packet) => {
    packet.udpServiceReply = SERVICE_REPLY.NO;
    return packet;
  });
  assert.deepEqual(run(polls), []);
  // SNMP traps to a receiver on another port than 162 (OpenNMS's 10162).
  const traps = [...flood(3_000, 40, { srcPort: 161, dstPort: 10_162 })].map(
    (packet) => {
      packet.udpServiceReply = SERVICE_REPLY.NOTIFICATION;
      return packet;
    },
  );
  assert.deepEqual(run(traps), []);
  // CoAP sensors reporting from 5683 to a collector's 5683 (no verdict);
  // from the Internet, the victim's port is the forgery's choice: a flood.
  assert.deepEqual(
    run(near(flood(3_000, 40, { srcPort: 5_683, dstPort: 5_683 }))),
    [],
  );
  assert.equal(
    run(flood(1_500, 40, { srcPort: 11_211, dstPort: 11_211 })).length,
    1,
  );
  // A DNS answer to the victim's port 53 is told by the decoder: counted.
  const answers = [...flood(1_500, 40, { dstPort: 53 })].map((packet) => {
    packet.dnsId = 7;
    packet.dnsResponse = true;
    return packet;
  });
  assert.equal(run(answers).length, 1);
  // The same from NTP's port, as replies: a flood.
  const monlist = [...flood(1_500, 40, { srcPort: 123 })].map((packet) => {
    packet.udpServiceReply = SERVICE_REPLY.YES;
    return packet;
  });
  const findings = run(monlist);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.topService, "NTP (UDP 123)");
});

Deno.test("reflection_flood: a going flood repeats when its replies double or every interval; after a quiet window a new one starts afresh", () => {
  const detector = createReflectionFloodDetector();
  const findings: Finding[] = [];
  const feed = (packets: Iterable<PacketRecord>) => {
    for (const packet of packets) {
      withAddressKeys(packet);
      detector.observe(packet, (finding) => findings.push(finding));
    }
  };
  feed(flood(4_000, 40));
  assert.deepEqual(
    findings.map((f) => f.evidence.replies),
    [1_000, 2_000, 4_000],
  );
  // Ten seconds later, still flooding (17 replies in a sixth of a window:
  // a tenth of the threshold's rate): a repeat with the totals so far.
  feed(flood(20, 40, {}, T0 + 14 * SECOND_US));
  assert.deepEqual(
    findings.map((f) => f.evidence.replies),
    [1_000, 2_000, 4_000, 4_017],
  );
  // A new flood after a whole quiet window: the last one's totals first,
  // then the new one's own count and start.
  const laterUs = T0 + 100 * SECOND_US;
  feed(flood(1_000, 40, {}, laterUs));
  assert.deepEqual(
    findings.slice(4).map((f) => [f.evidence.replies, f.startUs]),
    [[4_020, T0], [1_000, laterUs]],
  );
});

Deno.test("reflection_flood: a trickle of stray replies after a flood ends it a window after its last busy window, with the flood's duration", () => {
  const packets: PacketRecord[] = [...flood(2_000, 40)];
  // One stray answer every 50 s for an hour.
  for (let i = 1; i <= 72; i++) {
    packets.push(
      reply({ atUs: T0 + 2 * SECOND_US + i * 50e6, from: "9.9.9.9" }),
    );
  }
  // Then a new flood.
  const laterUs = T0 + 4_000 * SECOND_US;
  packets.push(...flood(1_000, 40, {}, laterUs));
  const findings = run(packets);
  assert.deepEqual(
    findings.map((f) => [f.evidence.replies, f.startUs]),
    [[1_000, T0], [2_000, T0], [2_001, T0], [1_000, laterUs]],
  );
  // The first flood's last finding: over 2 s, not an hour.
  assert.equal(findings[2]!.evidence.durationSeconds, 2);
  assert.equal(findings[2]!.timestampUs, T0 + 1_999 * 1_000);
});

Deno.test("reflection_flood: past about 9 400 reflectors the count is a lower bound", () => {
  const findings = run(flood(30_000, 30_000, {}, T0, 100));
  const last = findings.at(-1)!;
  assert.equal(last.evidence.distinctReflectorsAtLeast, true);
  const count = last.evidence.distinctReflectors as number;
  assert.ok(count > 9_000 && count < 10_000, `${count}`);
  assert.match(last.summary, /from more than \d+ servers in 1\.6 s/);
  // The first finding, 0.1 s in: milliseconds.
  assert.equal(findings[0]!.evidence.durationSeconds, 0.1);
  assert.equal(findings[0]!.evidence.distinctReflectorsAtLeast, false);
});

Deno.test("reflection_flood: a clock stepped back by a day neither holds the requests' memory nor hides a flood", () => {
  // A host asks 10 queries a second for a minute stamped a day ahead, then
  // (the clock stepped back) is flooded.
  const dayUs = 86_400 * SECOND_US;
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 600; i++) {
    packets.push(request(T0 + dayUs + i * 100_000, reflector(1_000 + i)));
  }
  packets.push(...flood(1_000, 40, {}, T0 + 61 * SECOND_US));
  assert.equal(run(packets).length, 1);
  // A victim's window opened a day ahead does not count on after the step:
  // a trickle of 30 stray replies a minute for an hour raises nothing.
  const trickle = [...flood(30, 30, {}, T0 + dayUs)];
  for (let i = 0; i < 1_800; i++) {
    trickle.push(
      reply({ atUs: T0 + i * 2 * SECOND_US, from: reflector(i % 30) }),
    );
  }
  assert.deepEqual(run(trickle), []);
});

Deno.test("reflection_flood: flush ends a flood with its totals", () => {
  const detector = createReflectionFloodDetector();
  const findings = findingsOf(detector, flood(1_500, 40));
  assert.equal(findings.length, 1);
  detector.flush!(T0 + 2 * SECOND_US, (finding) => findings.push(finding));
  assert.deepEqual(findings.map((f) => f.evidence.replies), [1_000, 1_500]);
});

Deno.test("reflection_flood: an IPv6 victim", () => {
  const packets = [...flood(1_000, 40, { to: VICTIM6 })].map((packet) => {
    packet.network = "ipv6";
    return packet;
  });
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.victim, VICTIM6);
});

Deno.test("reflection_flood: replies to many victims keep the victim table within maxVictims", () => {
  const detector = createReflectionFloodDetector({ maxVictims: 64 });
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 10_000; i++) {
    packets.push(reply({
      atUs: T0 + i,
      from: reflector(i % 100),
      to: `10.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}`,
    }));
  }
  assert.deepEqual(findingsOf(detector, packets), []);
  const { victims } = detector.tables();
  assert.equal(victims!.size, 64);
  assert.equal(victims!.capacity, 64);
});

Deno.test("reflection_flood: bad options are refused with the option's name", () => {
  assert.throws(
    () => createReflectionFloodDetector({ minReflectors: 0 }),
    /minReflectors/,
  );
  assert.throws(
    () => createReflectionFloodDetector({ requestRatio: -1 }),
    /requestRatio must be >= 0/,
  );
  assert.throws(
    () => createReflectionFloodDetector({ windowUs: Number.NaN }),
    /windowUs/,
  );
});

Deno.test("reflection_flood: extraUdpPorts counts a service the list lacks, named by its port", () => {
  const game = () => flood(1_500, 40, { srcPort: 9_987 });
  assert.deepEqual(run(game()), []);
  const findings = run(game(), { extraUdpPorts: [9_987, 53] });
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.topService, "UDP 9987");
  // A port already listed keeps its name.
  const dns = run(flood(1_500, 40), { extraUdpPorts: [53] });
  assert.equal(dns[0]!.evidence.topService, "DNS (UDP 53)");
  assert.throws(
    () => createReflectionFloodDetector({ extraUdpPorts: [70_000] }),
    /extraUdpPorts must hold UDP ports 1–65535, got 70000/,
  );
  assert.throws(
    () =>
      createReflectionFloodDetector({
        extraUdpPorts: Array.from({ length: 201 }, (_, i) => 20_000 + i),
      }),
    /extraUdpPorts must hold at most 200 ports, got 201/,
  );
});
