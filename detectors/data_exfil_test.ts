import assert from "node:assert/strict";
import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import { addressKey } from "../capture/decode/address_key.ts";
import {
  createDataExfilDetector,
  DATA_EXFIL_DEFAULTS,
  type DataExfilOptions,
} from "./data_exfil.ts";
import {
  byTime,
  findingsOf,
  SECOND_US,
  T0,
  tableAfterNewcomer,
  tcpPacket,
  times,
  udpPacket,
  withAddressKeys,
} from "./test_packets.ts";

const INSIDE = "10.9.18.101";
const OUTSIDE = "207.246.115.231";
const OUTSIDE_OTHER = "198.51.100.7";

interface PacketFields {
  src: string;
  dst: string;
  atUs: number;
  ipLength?: number;
  wireLength?: number;
  dstPort?: number;
}

/** One TCP packet of `ipLength` IP bytes. */
function ipPacket(fields: PacketFields): PacketRecord {
  const ipLength = fields.ipLength ?? 1500;
  return {
    ...tcpPacket({
      atUs: fields.atUs,
      src: fields.src,
      dst: fields.dst,
      srcPort: 40000,
      dstPort: fields.dstPort ?? 2525,
      flags: 0,
    }),
    ipLength,
    wireLength: fields.wireLength ?? ipLength + 14,
    payloadLength: Math.max(0, ipLength - 40),
  };
}

/** `count` packets of `ipLength` bytes from src to dst, `intervalUs` apart. */
function flow(
  src: string,
  dst: string,
  count: number,
  options: { startUs?: number; intervalUs?: number; ipLength?: number } = {},
): PacketRecord[] {
  const { startUs = 0, intervalUs = 1000, ipLength = 1500 } = options;
  return Array.from(
    { length: count },
    (_, i) => ipPacket({ src, dst, atUs: startUs + i * intervalUs, ipLength }),
  );
}

function run(
  packets: PacketRecord[],
  options: DataExfilOptions = {},
): Finding[] {
  return findingsOf(createDataExfilDetector(options), packets);
}

const ONE_MB = { exfilMinBytes: 1_000_000 };

/** A threshold whose table mark (1/64 of it, 1 000 B) one 1 500-byte packet reaches: every pair is tracked from its first packet. */
const TRACK_ALL = { exfilMinBytes: 64_000 };

/** `packet` carried in a tunnel of `kind` ("vxlan", "gre", "ipip") from `outerSrc` to `outerDst`. */
function inTunnel(
  packet: PacketRecord,
  kind: string,
  outerSrc: string,
  outerDst: string,
): PacketRecord {
  return {
    ...packet,
    tunnel: kind,
    tunnelSrcAddress: outerSrc,
    tunnelDstAddress: outerDst,
  };
}

Deno.test("data_exfil: reports at the packet that crosses exfilMinBytes", () => {
  // 1000 × 1000 B = exactly 1 MB at the 1000th packet.
  const packets = flow(INSIDE, OUTSIDE, 1000, { ipLength: 1000 });
  const findings = run(packets, ONE_MB);
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.kind, "data_exfil");
  assert.equal(finding.timestampUs, 999_000);
  assert.equal(finding.attacker, INSIDE);
  assert.equal(finding.victim, OUTSIDE);
  assert.equal(finding.key, `${INSIDE}>${OUTSIDE}`);
  assert.equal(finding.domain, "");
  assert.equal(finding.evidence.bytesOut, 1_000_000);
  assert.equal(finding.evidence.bytesIn, 0);
  assert.deepEqual(finding.evidence.remotePorts, [2525]);
  assert.equal(finding.evidence.technique, "T1048");
});

Deno.test("data_exfil: one byte below the threshold is not reported", () => {
  const packets = flow(INSIDE, OUTSIDE, 1000, { ipLength: 1000 });
  packets[0]!.ipLength = 999;
  assert.deepEqual(run(packets, ONE_MB), []);
});

/** The size of the pair table after each packet. */
function tableSizes(
  packets: PacketRecord[],
  options: DataExfilOptions,
): number[] {
  const detector = createDataExfilDetector(options);
  return packets.map((packet) => {
    detector.observe(packet, () => {});
    return detector.tables().pairs!.size;
  });
}

Deno.test("data_exfil: a pair enters the table at 1/64 of exfilMinBytes, sent or received", () => {
  // The mark is 15 625 B: the 16th 1000-byte packet passes it.
  const upload = tableSizes(
    flow(INSIDE, OUTSIDE, 17, { ipLength: 1000 }),
    ONE_MB,
  );
  assert.deepEqual(upload.slice(14), [0, 1, 1]);
  const download = tableSizes(
    flow(OUTSIDE, INSIDE, 17, { ipLength: 1000 }),
    ONE_MB,
  );
  assert.deepEqual(download.slice(14), [0, 1, 1]);
  // Both directions below the mark: never in the table.
  const chat = byTime([
    ...flow(INSIDE, OUTSIDE, 15, { ipLength: 1000, intervalUs: 2000 }),
    ...flow(OUTSIDE, INSIDE, 15, {
      ipLength: 1000,
      intervalUs: 2000,
      startUs: 1000,
    }),
  ]);
  assert.ok(tableSizes(chat, ONE_MB).every((size) => size === 0));
});

Deno.test("data_exfil: a pair below the mark after a half-window halving leaves the table", () => {
  const windowUs = 60_000_000; // the sketch halves every 30 s
  const later = ipPacket({
    src: "10.0.0.2",
    dst: "9.9.9.9",
    atUs: 31_000_000,
    ipLength: 100,
  });
  /** The table's size at the last two packets: `count` 1000-byte packets of one pair, then `later`. */
  const sizesAroundHalving = (count: number) =>
    tableSizes([...flow(INSIDE, OUTSIDE, count, { ipLength: 1000 }), later], {
      ...ONE_MB,
      windowUs,
    }).slice(-2);
  // 20 kB halves to 10 kB, under the 15 625 B mark: dropped at once (the
  // idle expiry would wait for a whole window).
  assert.deepEqual(sizesAroundHalving(20), [1, 0]);
  // 40 kB halves to 20 kB: kept, with its count.
  assert.deepEqual(sizesAroundHalving(40), [1, 1]);
});

Deno.test("data_exfil: the default threshold is 50 MB per 10 minutes", () => {
  assert.equal(DATA_EXFIL_DEFAULTS.exfilMinBytes, 50_000_000);
  assert.equal(DATA_EXFIL_DEFAULTS.windowUs, 600_000_000);
  // 40 MB in 5 minutes: below the default.
  assert.deepEqual(
    run(flow(INSIDE, OUTSIDE, 40_000, { ipLength: 1000, intervalUs: 7500 })),
    [],
  );
  // 50 MB in 5 minutes: reported.
  const findings = run(
    flow(INSIDE, OUTSIDE, 50_000, { ipLength: 1000, intervalUs: 6000 }),
  );
  assert.equal(findings[0]!.evidence.bytesOut, 50_000_000);
});

Deno.test("data_exfil: a download (inbound dominates) is not exfiltration", () => {
  const download = byTime([
    ...flow(OUTSIDE, INSIDE, 2000, { ipLength: 1500 }),
    ...flow(INSIDE, OUTSIDE, 1000, { ipLength: 52 }),
  ]);
  assert.deepEqual(run(download, ONE_MB), []);
});

Deno.test("data_exfil: outbound must be at least outboundRatio × inbound", () => {
  // 1.2 MB out, 400 kB in: ratio exactly 3.
  const exact = byTime([
    ...flow(INSIDE, OUTSIDE, 1200, { ipLength: 1000, intervalUs: 1000 }),
    ...flow(OUTSIDE, INSIDE, 400, { ipLength: 1000, intervalUs: 1000 }),
  ]);
  assert.equal(run(exact, ONE_MB).length, 1);
  const below = byTime([
    ...flow(INSIDE, OUTSIDE, 1200, { ipLength: 1000, intervalUs: 1000 }),
    ...flow(OUTSIDE, INSIDE, 401, { ipLength: 1000, intervalUs: 1000 }),
  ]);
  assert.deepEqual(run(below, ONE_MB), []);
  assert.equal(run(below, { ...ONE_MB, outboundRatio: 2 }).length, 1);
});

Deno.test("data_exfil: LAN-internal, transit, and non-routable peers are ignored", () => {
  assert.deepEqual(run(flow("10.0.0.7", "10.0.0.22", 2000), ONE_MB), []);
  assert.deepEqual(run(flow("192.168.1.253", "172.20.0.1", 2000), ONE_MB), []);
  assert.deepEqual(run(flow("8.8.8.8", "1.1.1.1", 2000), ONE_MB), []);
  assert.deepEqual(run(flow(INSIDE, "224.0.0.251", 2000), ONE_MB), []);
  assert.deepEqual(run(flow(INSIDE, "255.255.255.255", 2000), ONE_MB), []);
  assert.deepEqual(run(flow(INSIDE, "169.254.1.1", 2000), ONE_MB), []);
  assert.deepEqual(run(flow("fd00::5", "ff02::1", 2000), ONE_MB), []);
  assert.deepEqual(run(flow("fd00::5", "fe80::1", 2000), ONE_MB), []);
});

Deno.test("data_exfil: IPv6 ULA hosts are home by default", () => {
  const findings = run(
    flow("fd12:3456::10", "2001:db8::99", 1000, { ipLength: 1000 }),
    ONE_MB,
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.attacker, "fd12:3456::10");
  assert.equal(findings[0]!.victim, "2001:db8::99");
});

Deno.test("data_exfil: homeNet can declare a public host internal", () => {
  const packets = flow("67.169.189.180", "128.121.136.217", 1000, {
    ipLength: 1000,
  });
  assert.deepEqual(run(packets, ONE_MB), []);
  const findings = run(packets, { ...ONE_MB, homeNet: ["67.169.189.180/32"] });
  assert.equal(findings[0]!.attacker, "67.169.189.180");
  assert.equal(findings[0]!.victim, "128.121.136.217");
});

Deno.test("data_exfil: an invalid homeNet throws a TypeError naming the CIDR", () => {
  for (const bad of ["10.0.0.0/33", "192.168.0/16", "lan", "fc00::/200"]) {
    assert.throws(
      () => createDataExfilDetector({ homeNet: ["10.0.0.0/8", bad] }),
      (error: unknown) =>
        error instanceof TypeError && error.message.includes(bad),
      bad,
    );
  }
  assert.throws(
    () => createDataExfilDetector({ exfilMinBytes: 0 }),
    RangeError,
  );
  assert.throws(() => createDataExfilDetector({ windowUs: 0 }), RangeError);
});

Deno.test("data_exfil: bytes older than the window expire (packet time)", () => {
  const windowUs = 60_000_000;
  // 600 kB, then 600 kB more than two windows later: never 1 MB within a window.
  const apart = [
    ...flow(INSIDE, OUTSIDE, 600, { ipLength: 1000 }),
    ...flow(INSIDE, OUTSIDE, 600, { ipLength: 1000, startUs: 130_000_000 }),
  ];
  assert.deepEqual(run(apart, { ...ONE_MB, windowUs }), []);
  // The same bytes 30 s apart: within one window.
  const close = [
    ...flow(INSIDE, OUTSIDE, 600, { ipLength: 1000 }),
    ...flow(INSIDE, OUTSIDE, 600, { ipLength: 1000, startUs: 30_000_000 }),
  ];
  assert.equal(run(close, { ...ONE_MB, windowUs }).length, 1);
});

Deno.test("data_exfil: a transfer straddling a bucket boundary is not split in two", () => {
  const windowUs = 60_000_000;
  // 600 kB just before the first bucket ends and 600 kB just after.
  const straddle = [
    ...flow(INSIDE, OUTSIDE, 1, { ipLength: 100 }),
    ...flow(INSIDE, OUTSIDE, 600, { ipLength: 1000, startUs: 58_000_000 }),
    ...flow(INSIDE, OUTSIDE, 600, { ipLength: 1000, startUs: 61_000_000 }),
  ];
  assert.equal(run(straddle, { ...ONE_MB, windowUs }).length, 1);
});

Deno.test("data_exfil: idle pairs are dropped from the table after a window", () => {
  const detector = createDataExfilDetector({
    ...TRACK_ALL,
    windowUs: 10_000_000,
  });
  const sink = () => {};
  detector.observe(ipPacket({ src: INSIDE, dst: "1.1.1.1", atUs: 0 }), sink);
  detector.observe(
    ipPacket({ src: INSIDE, dst: "1.1.1.2", atUs: 1_000_000 }),
    sink,
  );
  assert.equal(detector.tables().pairs!.size, 2);
  detector.observe(
    ipPacket({ src: INSIDE, dst: "1.1.1.3", atUs: 30_000_000 }),
    sink,
  );
  assert.equal(detector.tables().pairs!.size, 1);
});

Deno.test("data_exfil: findings repeat when bytes double or every 10 s of packet time", () => {
  // 100 kB/s for 60 s: crosses 1 MB at 10 s.
  const packets = flow(INSIDE, OUTSIDE, 600, {
    ipLength: 10_000,
    intervalUs: 100_000,
  });
  const findings = run(packets, ONE_MB);
  assert.deepEqual(
    findings.map((f) => [f.timestampUs / 1e6, f.evidence.bytesOut]),
    [
      [9.9, 1_000_000],
      [19.9, 2_000_000],
      [29.9, 3_000_000],
      [39.9, 4_000_000],
      [49.9, 5_000_000],
      [59.9, 6_000_000],
    ],
  );
  // Fast growth: doubling triggers before 10 s.
  const fast = run(
    flow(INSIDE, OUTSIDE, 400, { ipLength: 10_000, intervalUs: 1000 }),
    ONE_MB,
  );
  assert.deepEqual(fast.map((f) => f.evidence.bytesOut), [
    1_000_000,
    2_000_000,
    4_000_000,
  ]);
});

Deno.test("data_exfil: IP length 0 (TSO/GRO capture) counts the wire length", () => {
  const packets = flow(INSIDE, OUTSIDE, 100, { ipLength: 10_000 }).map((p) => ({
    ...p,
    ipLength: 0,
    wireLength: 10_014,
  }));
  assert.equal(run(packets, ONE_MB)[0]!.evidence.bytesOut, 1_001_400);
});

Deno.test("data_exfil: identical input gives identical findings", () => {
  const packets = byTime([
    ...flow(INSIDE, OUTSIDE, 3000, { ipLength: 1400, intervalUs: 3000 }),
    ...flow(OUTSIDE, INSIDE, 3000, { ipLength: 52, intervalUs: 3000 }),
    ...flow("10.0.0.2", "9.9.9.9", 2000, { ipLength: 1400, intervalUs: 4000 }),
  ]);
  const first = run(packets, ONE_MB);
  assert.ok(first.length >= 2);
  assert.deepEqual(first, run(packets, ONE_MB));
});

Deno.test("data_exfil: memory stays bounded under 1M distinct pairs", () => {
  const maxPairs = 1000;
  const detector = createDataExfilDetector({ ...TRACK_ALL, maxPairs });
  const sink = () => {};
  const packet = ipPacket({ src: INSIDE, dst: "", atUs: 0 });
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = i;
    packet.dstAddress = `${(i >>> 16) + 20}.${(i >>> 8) & 255}.${i & 255}.7`;
    withAddressKeys(packet);
    detector.observe(packet, sink);
  }
  const stats = detector.tables().pairs!;
  assert.equal(stats.capacity, maxPairs);
  assert.ok(stats.size <= maxPairs);
  // Once full, one-packet pairs are turned away at the door (all but the
  // few that the admission's sketches take for seen before).
  assert.equal(stats.evictions + stats.rejected!, 1_000_000 - maxPairs);
  assert.ok(stats.evictions < 10_000, `${stats.evictions} evictions`);
});

/**
 * An upload of `uploadPackets` × 1000 B, one every 10 ms, with 200 new
 * spoofed one-packet pairs of `spoofedBytes` IP bytes between two of its
 * packets (20 000 per second into a table of 1000); returns the findings and
 * the table's stats.
 */
function uploadUnderPairFlood(spoofedBytes: number, uploadPackets = 2000) {
  const detector = createDataExfilDetector({ ...ONE_MB, maxPairs: 1000 });
  const findings: Finding[] = [];
  const spoofed = ipPacket({
    src: "",
    dst: OUTSIDE,
    atUs: 0,
    ipLength: spoofedBytes,
  });
  let n = 0;
  for (let i = 0; i < uploadPackets; i++) {
    const atUs = i * 10_000;
    detector.observe(
      ipPacket({ src: INSIDE, dst: OUTSIDE, atUs, ipLength: 1000 }),
      (finding) => findings.push(finding),
    );
    for (let j = 0; j < 200; j++, n++) {
      spoofed.timestampUs = atUs + 1 + j;
      spoofed.srcAddress = `192.168.${(n >>> 8) & 255}.${n & 255}`;
      spoofed.dstAddress = `${(n >>> 16) + 30}.${(n >>> 8) & 255}.${n & 255}.9`;
      withAddressKeys(spoofed);
      detector.observe(spoofed, (finding) => findings.push(finding));
    }
  }
  return {
    reports: findings.map((f) => [f.attacker, f.victim, f.timestampUs]),
    table: detector.tables().pairs!,
  };
}

Deno.test("data_exfil: a flood of small one-packet pairs never reaches the table", () => {
  // 60-byte pairs stay far below the table's mark (1 MB / 64) in the sketch.
  const { reports, table } = uploadUnderPairFlood(60);
  // At 1 MB (the 1000th packet), again at 2 MB (bytes doubled).
  assert.deepEqual(reports, [
    [INSIDE, OUTSIDE, 999 * 10_000],
    [INSIDE, OUTSIDE, 1999 * 10_000],
  ]);
  // Only the upload and the few pairs that share both its counters in the
  // sketch, of 400 000.
  assert.ok(table.size < 20, `${table.size} pairs in the table`);
  assert.deepEqual([table.evictions, table.rejected], [0, 0]);
});

Deno.test("data_exfil: a flood of heavy one-packet pairs does not flush an upload out of the full table", () => {
  // 20 kB pairs pass the mark at once: the table's admission must turn
  // them away, or evicting the least recently seen pair for each newcomer
  // would drop the upload's count every few milliseconds.
  // The upload passes the mark (15 625 B) at its 16th packet, into a full
  // table, and gets in at its second try against one-packet pairs,
  // starting from the mark (375 B short): it is reported one packet after
  // 1 MB, and again 10 s later.
  const { reports, table } = uploadUnderPairFlood(20_000, 2010);
  assert.deepEqual(reports, [
    [INSIDE, OUTSIDE, 1000 * 10_000],
    [INSIDE, OUTSIDE, 2000 * 10_000],
  ]);
  assert.ok(table.rejected! > 390_000, `${table.rejected} rejected`);
});

Deno.test("data_exfil: a busy pair that went quiet is kept against a newcomer seen less often", () => {
  const stats = tableAfterNewcomer(
    createDataExfilDetector({ ...TRACK_ALL, maxPairs: 2 }),
    "pairs",
    times(
      40,
      (i) => ipPacket({ src: INSIDE, dst: OUTSIDE, atUs: T0 + i * 1_000 }),
    ),
    [ipPacket({
      src: "10.9.18.102",
      dst: "207.246.115.232",
      atUs: T0 + SECOND_US,
    })],
    times(20, (i) =>
      ipPacket({
        src: "10.9.18.103",
        dst: "207.246.115.233",
        atUs: T0 + 2 * SECOND_US + i * 1_000,
      })),
  );
  assert.deepEqual([stats.evictions, stats.rejected], [0, 20]);
});

Deno.test("data_exfil: a home server serving a download to an outside client is no exfiltration; the home host's own upload to a high port is, also after a simultaneous open", () => {
  const options = { exfilMinBytes: 1_000_000 };
  /** 1 000 packets of 1 500 bytes from INSIDE:`insidePort` to OUTSIDE:`outsidePort`, after `opening`. */
  const transfer = (
    insidePort: number,
    outsidePort: number,
    opening: PacketRecord[] = [],
  ) => [
    ...opening,
    ...times(1_000, (i) => ({
      ...tcpPacket({
        atUs: 1_000 + i * 1_000,
        src: INSIDE,
        dst: OUTSIDE,
        srcPort: insidePort,
        dstPort: outsidePort,
        flags: TCP_FLAGS.ACK,
      }),
      ipLength: 1_500,
    })),
  ];
  /** An outside client's connection (its SYN, sequence number 1000) that the home host accepts (SYN/ACK acknowledging it), or a SYN/ACK alone when `synAckOnly`. */
  const accepted = (
    insidePort: number,
    outsidePort: number,
    synAckOnly = false,
  ) => [
    ...(synAckOnly ? [] : [{
      ...tcpPacket({
        atUs: 0,
        src: OUTSIDE,
        dst: INSIDE,
        srcPort: outsidePort,
        dstPort: insidePort,
        flags: TCP_FLAGS.SYN,
      }),
      tcpSeq: 1000,
    }]),
    {
      ...tcpPacket({
        atUs: 100,
        src: INSIDE,
        dst: OUTSIDE,
        srcPort: insidePort,
        dstPort: outsidePort,
        flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK,
      }),
      tcpAck: 1001,
    },
  ];
  /** The home host's own connection from `insidePort` (its SYN). */
  const opened = (insidePort: number, outsidePort: number) => [
    tcpPacket({
      atUs: 0,
      src: INSIDE,
      dst: OUTSIDE,
      srcPort: insidePort,
      dstPort: outsidePort,
      flags: TCP_FLAGS.SYN,
    }),
  ];
  // An outside client downloads from the home host's port 8000 (its
  // connection accepted), or, with the handshake unseen (a capture begun
  // mid-transfer), from port 443, or from port 8000 to its ephemeral port
  // once port 8000 was seen accepting another connection.
  assert.deepEqual(
    run(transfer(8000, 33438, accepted(8000, 33438)), options),
    [],
  );
  assert.deepEqual(run(transfer(443, 51000), options), []);
  assert.deepEqual(
    run(transfer(8000, 33438, accepted(8000, 40001)), options),
    [],
  );
  // The home host uploads: from its ephemeral port, to a service port or
  // to a high one; from port 8000 when no connection to it was seen (to a
  // service's port, or to an ephemeral one: no connection to port 8000
  // was ever accepted), or on its own connection from port 8000; over
  // active FTP's data connection, which the server opens from port 20; and
  // as an IRC DCC sender, whose receiver connects to its ephemeral port.
  for (
    const packets of [
      transfer(51000, 443),
      transfer(40000, 60000),
      transfer(8000, 8443),
      transfer(8000, 33438),
      transfer(8000, 33438, opened(8000, 33438)),
      transfer(2662, 20, accepted(2662, 20)),
      transfer(59130, 43614, accepted(59130, 43614)),
      // Its own connection from a port below 1024 (curl --local-port 443).
      transfer(443, 8443, opened(443, 8443)),
      // A SYN/ACK without the SYN it answers (forged) serves nothing.
      transfer(8000, 8443, accepted(8000, 8443, true)),
      // Its own connection, which the outside host answers with a SYN of
      // its own and it with a SYN/ACK (a simultaneous open, as NAT hole
      // punching makes; or a forged SYN/ACK): still its own.
      transfer(5000, 8443, [...opened(5000, 8443), ...accepted(5000, 8443)]),
    ]
  ) {
    const findings = run(packets, options);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.attacker, INSIDE);
    assert.equal(findings[0]?.evidence.servedBytes, 0);
  }
});

/** 17 000 one-byte UDP datagrams from INSIDE's new ports 10000 up to `dst`:40002, 50 µs apart from `startUs`: more flows than the detector's table holds. */
function sprayOfFlows(startUs: number, dst: string): PacketRecord[] {
  return times(17_000, (i) => ({
    ...udpPacket({
      atUs: startUs + i * 50,
      src: INSIDE,
      dst,
      srcPort: 10_000 + i,
      dstPort: 40_002,
    }),
    ipLength: 29,
  }));
}

/** `count` UDP datagrams of 1 400 IP bytes from src:srcPort to dst:dstPort, 1 ms apart from `startUs`. */
function datagrams(
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  count: number,
  startUs = 0,
): PacketRecord[] {
  return times(count, (i) => ({
    ...udpPacket({ atUs: startUs + i * 1_000, src, dst, srcPort, dstPort }),
    ipLength: 1_400,
  }));
}

Deno.test("data_exfil: a UDP server inside answering an outside client that sent first is no exfiltration; datagrams the home host sent first count, from port 443 too", () => {
  // A WireGuard server inside: the roaming client's handshake comes first.
  const wireguard = [
    ...datagrams(OUTSIDE, 41641, INSIDE, 51820, 1),
    ...datagrams(INSIDE, 51820, OUTSIDE, 41641, 1_000, 1_000),
  ];
  assert.deepEqual(run(wireguard, ONE_MB), []);
  // An authoritative DNS server inside answering a resolver's queries.
  const dns = Array.from({ length: 1_000 }, (_, i) => [
    ...datagrams(OUTSIDE, 20_000 + i, INSIDE, 53, 1, i * 2_000),
    ...datagrams(INSIDE, 53, OUTSIDE, 20_000 + i, 1, i * 2_000 + 500),
  ]).flat();
  assert.deepEqual(run(dns, ONE_MB), []);
  // The home host sends first, from port 443 or 51820: its own upload.
  for (const port of [443, 51820]) {
    const upload = [
      ...datagrams(INSIDE, port, OUTSIDE, 50_000, 1_000),
      ...datagrams(OUTSIDE, 50_000, INSIDE, port, 1, 2_000_000),
    ];
    const findings = run(upload, ONE_MB);
    assert.equal(findings.length, 1, `port ${port}`);
    assert.equal(findings[0]?.evidence.servedBytes, 0);
  }
});

Deno.test("data_exfil: junk sent back to the uploader does not hide an upload (outbound over inbound by twice exfilMinBytes, at any ratio); a call sending HD and getting SD back is no upload", () => {
  /** `up` and `down` packets of 1 500 B, spread over the same second. */
  const exchange = (up: number, down: number) =>
    byTime([
      ...flow(INSIDE, OUTSIDE, up, { intervalUs: 1_000_000 / up }),
      ...flow(OUTSIDE, INSIDE, down, {
        intervalUs: 1_000_000 / down,
        startUs: 100,
      }),
    ]);
  // 4.5 MB up, 2.25 MB down (2×): 2.25 MB more out than in.
  const findings = run(exchange(3_000, 1_500), ONE_MB);
  assert.ok(findings.length >= 1);
  assert.ok(Number(findings.at(-1)!.evidence.bytesIn) > 1_900_000);
  // 3 MB up, 1.2 MB down (2.5×, 1.8 MB more out), as a call sending HD
  // video and getting SD back; a symmetric call: never.
  assert.deepEqual(run(exchange(2_000, 800), ONE_MB), []);
  assert.deepEqual(run(exchange(2_000, 2_000), ONE_MB), []);
});

Deno.test("data_exfil: a tunnel from a home host to an outside one counts under its outer endpoints, whatever its inner addresses; a mirror's tunnel between home hosts leaves the inner packet", () => {
  /** Packets of a tunnel from `outerSrc` to `outerDst` carrying `inner`. */
  const tunnelled = (
    outerSrc: string,
    outerDst: string,
    inner: PacketRecord[],
  ): PacketRecord[] =>
    inner.map((packet, i) => ({
      ...inTunnel(packet, "vxlan", outerSrc, outerDst),
      // Keyed as the decoder keys them, or (every other packet) text alone.
      tunnelSrcAddressKey: i % 2 ? addressKey(outerSrc) : -1,
      tunnelDstAddressKey: i % 2 ? addressKey(outerDst) : -1,
    }));
  // Private inner addresses (LAN-internal to the detector before) and
  // foreign ones (transit).
  for (
    const [from, to] of [["10.99.0.1", "10.99.0.2"], ["192.0.2.1", "192.0.2.2"]]
  ) {
    const findings = run(
      tunnelled(INSIDE, OUTSIDE, flow(from!, to!, 1_000)),
      ONE_MB,
    );
    assert.equal(findings.length, 1, `${from} → ${to}`);
    assert.equal(findings[0]?.attacker, INSIDE);
    assert.equal(findings[0]?.victim, OUTSIDE);
  }
  // Inbound through the tunnel: a download.
  assert.deepEqual(
    run(
      tunnelled(OUTSIDE, INSIDE, flow("10.99.0.2", "10.99.0.1", 1_000)),
      ONE_MB,
    ),
    [],
  );
  // A mirror session between two home hosts: the inner upload is judged.
  const mirrored = run(
    tunnelled("10.0.0.5", "10.0.0.9", flow(INSIDE, OUTSIDE, 1_000)),
    ONE_MB,
  );
  assert.equal(mirrored.length, 1);
  assert.equal(mirrored[0]?.victim, OUTSIDE);
  // To an outer address that is not routable: nothing.
  assert.deepEqual(
    run(
      tunnelled(INSIDE, "224.0.0.9", flow("10.99.0.1", "10.99.0.2", 1_000)),
      ONE_MB,
    ),
    [],
  );
});

Deno.test("data_exfil: a connection's owner stays known while it is in use, however many other connections come and go", () => {
  /** `count` outside clients' connections accepted by another home server, 50 µs apart. */
  const visitors = (count: number) =>
    Array.from({ length: count }, (_, i) => {
      const client = `198.51.${100 + (i >> 8)}.${i & 0xff}`;
      return [
        {
          ...tcpPacket({
            atUs: i * 50,
            src: client,
            dst: "10.9.18.21",
            srcPort: 40_000,
            dstPort: 80,
            flags: TCP_FLAGS.SYN,
          }),
          tcpSeq: 7,
        },
        {
          ...tcpPacket({
            atUs: i * 50 + 10,
            src: "10.9.18.21",
            dst: client,
            srcPort: 80,
            dstPort: 40_000,
            flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK,
          }),
          tcpAck: 8,
        },
      ];
    }).flat();
  // The home host's own connection from port 443 (its SYN seen) uploads
  // 1.5 MB over 1 s while 20 000 other connections come and go (20 a
  // millisecond, the table holds 16 384).
  const own = tcpPacket({
    atUs: 0,
    src: INSIDE,
    dst: OUTSIDE,
    srcPort: 443,
    dstPort: 40_000,
    flags: TCP_FLAGS.SYN,
  });
  const upload = times(1_000, (i) => ({
    ...tcpPacket({
      atUs: 1_000 + i * 1_000,
      src: INSIDE,
      dst: OUTSIDE,
      srcPort: 443,
      dstPort: 40_000,
      flags: TCP_FLAGS.ACK,
    }),
    ipLength: 1_500,
  }));
  const findings = run(byTime([own, ...upload, ...visitors(20_000)]), ONE_MB);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.evidence.servedBytes, 0);
});

Deno.test("data_exfil: an inner connection the far side opened through a tunnel is answered (a branch pulling from a file server at home); a mirror feed from outside leaves its inner upload to be judged", () => {
  /** `packet` carried from `outerSrc` to `outerDst` in GRE. */
  const carried = (packet: PacketRecord, outerSrc: string, outerDst: string) =>
    inTunnel(packet, "gre", outerSrc, outerDst);
  const HQ = "10.0.0.1";
  const BRANCH_ROUTER = "198.51.100.90";
  const FILE_SERVER = "10.0.1.5";
  const BRANCH_PC = "172.20.1.15";
  const opening = [
    carried(
      {
        ...tcpPacket({
          atUs: 0,
          src: BRANCH_PC,
          dst: FILE_SERVER,
          srcPort: 50123,
          dstPort: 445,
          flags: TCP_FLAGS.SYN,
        }),
        tcpSeq: 10,
      },
      BRANCH_ROUTER,
      HQ,
    ),
    carried(
      {
        ...tcpPacket({
          atUs: 100,
          src: FILE_SERVER,
          dst: BRANCH_PC,
          srcPort: 445,
          dstPort: 50123,
          flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK,
        }),
        tcpAck: 11,
      },
      HQ,
      BRANCH_ROUTER,
    ),
  ];
  const pulled = times(1_000, (i) =>
    carried(
      {
        ...tcpPacket({
          atUs: 1_000 + i * 1_000,
          src: FILE_SERVER,
          dst: BRANCH_PC,
          srcPort: 445,
          dstPort: 50123,
          flags: TCP_FLAGS.ACK,
        }),
        ipLength: 1_500,
      },
      HQ,
      BRANCH_ROUTER,
    ));
  assert.deepEqual(run([...opening, ...pulled], ONE_MB), []);
  // A host at HQ uploading to the branch on its own connection is HQ's
  // upload through the tunnel.
  const pushed = times(1_000, (i) =>
    carried(
      {
        ...tcpPacket({
          atUs: i * 1_000,
          src: FILE_SERVER,
          dst: BRANCH_PC,
          srcPort: 50_000,
          dstPort: 8080,
          flags: TCP_FLAGS.ACK,
        }),
        ipLength: 1_500,
      },
      HQ,
      BRANCH_ROUTER,
    ));
  const uploaded = run(pushed, ONE_MB);
  assert.ok(uploaded.length >= 1);
  assert.equal(uploaded[0]?.attacker, HQ);
  // A cloud tap mirroring a VM's traffic to a sensor at home: the VM's
  // upload is found under its own addresses.
  const feed = flow(INSIDE, OUTSIDE, 1_000).map((packet) =>
    carried(packet, "203.0.113.70", "10.232.1.99")
  );
  const mirrored = run(feed, ONE_MB);
  assert.ok(mirrored.length >= 1);
  assert.equal(mirrored[0]?.attacker, INSIDE);
  assert.equal(mirrored[0]?.victim, OUTSIDE);
});

Deno.test("data_exfil: a home host's upload stays its own after a spray of flows evicts what was known of it, and over UDP to a port that answered first after the home host spoke", () => {
  const C2 = OUTSIDE;
  const spray = (startUs: number) => sprayOfFlows(startUs, C2);
  const tcpUpload = (startUs: number, count: number) =>
    times(count, (i) => ({
      ...tcpPacket({
        atUs: startUs + i * 1_000,
        src: INSIDE,
        dst: C2,
        srcPort: 31_337,
        dstPort: 40_000,
        flags: TCP_FLAGS.ACK,
      }),
      ipLength: 1_500,
    }));
  // Its own TCP connection from port 31337 (its SYN seen), 0.3 MB, the
  // spray, then 1.5 MB more: port 31337 never accepted a connection.
  const own = tcpPacket({
    atUs: 0,
    src: INSIDE,
    dst: C2,
    srcPort: 31_337,
    dstPort: 40_000,
    flags: TCP_FLAGS.SYN,
  });
  const tcpFindings = run([
    own,
    ...tcpUpload(1_000, 200),
    ...spray(300_000),
    ...tcpUpload(1_300_000, 1_000),
  ], ONE_MB);
  assert.ok(tcpFindings.length >= 1);
  assert.equal(tcpFindings.at(-1)?.evidence.servedBytes, 0);
  // Its own UDP flow, the spray, then one datagram from the C2 on it
  // (which would make a new flow the C2's), then the upload.
  const udpFindings = run([
    ...datagrams(INSIDE, 50_001, C2, 40_000, 200),
    ...spray(300_000),
    ...datagrams(C2, 40_000, INSIDE, 50_001, 1, 1_200_000),
    ...datagrams(INSIDE, 50_001, C2, 40_000, 1_000, 1_300_000),
  ], ONE_MB);
  assert.ok(udpFindings.length >= 1);
  // A hole punched from a second port: the home host spoke to the C2
  // first, the C2 answers from 40001, the home host uploads there.
  const punched = run([
    ...datagrams(INSIDE, 50_001, C2, 40_000, 1),
    ...datagrams(C2, 40_001, INSIDE, 50_001, 1, 1_000),
    ...datagrams(INSIDE, 50_001, C2, 40_001, 1_000, 2_000),
  ], ONE_MB);
  assert.ok(punched.length >= 1);
  assert.equal(punched.at(-1)?.evidence.servedBytes, 0);
});

Deno.test("data_exfil: a tunnel the home host sends out counts whatever its inner addresses say; the home host's own port stays its own while in use past two windows; serving and calling one peer from different ports are apart", () => {
  const C2 = OUTSIDE;
  // Inner packets written "outside → home" inside VXLAN from home to C2.
  const reversed = flow(OUTSIDE_OTHER, INSIDE, 1_000).map((packet) =>
    inTunnel(packet, "vxlan", INSIDE, C2)
  );
  const carried = run(reversed, ONE_MB);
  assert.ok(carried.length >= 1);
  assert.equal(carried[0]?.victim, C2);
  // A UDP flow from port 50001 kept alive for 21 minutes, a spray of
  // 17 000 flows to another host, the C2's datagram first, the upload.
  const keepalive = times(126, (i) => ({
    ...udpPacket({
      atUs: i * 10_000_000,
      src: INSIDE,
      dst: C2,
      srcPort: 50_001,
      dstPort: 40_000,
    }),
    ipLength: 68,
  }));
  const sprayStartUs = 1_270_000_000;
  const spray = sprayOfFlows(sprayStartUs, "192.0.2.99");
  const late = run([
    ...keepalive,
    ...spray,
    ...datagrams(C2, 40_000, INSIDE, 50_001, 1, sprayStartUs + 1_000_000),
    ...datagrams(INSIDE, 50_001, C2, 40_000, 1_000, sprayStartUs + 1_100_000),
  ], ONE_MB);
  assert.ok(late.length >= 1);
  // A NAS backs up to the office over SSH (its own connection from an
  // ephemeral port), then an office user pulls through its OpenVPN server.
  const NAS = "10.9.18.20";
  const backup = {
    ...tcpPacket({
      atUs: 0,
      src: NAS,
      dst: C2,
      srcPort: 51_000,
      dstPort: 22,
      flags: TCP_FLAGS.SYN,
    }),
  };
  const vpn = [
    ...datagrams(C2, 61_005, NAS, 1194, 1, 300_000_000),
    ...datagrams(NAS, 1194, C2, 61_005, 1_000, 300_001_000),
  ];
  assert.deepEqual(run([backup, ...vpn], ONE_MB), []);
});

Deno.test("data_exfil: a two-way tunnel's downloads count against its uploads; packets a tunnel carries in teach nothing of real flows; an own connection stays own after a spray and a long silence", () => {
  const ROUTER = "192.168.1.1";
  const BROKER = "203.0.113.1";
  const HOST = "fd00:1::10";
  const SERVER = "2001:db8:99::1";
  /** `packet` in 6in4 from `outerSrc` to `outerDst`. */
  const carried = (packet: PacketRecord, outerSrc: string, outerDst: string) =>
    inTunnel(packet, "ipip", outerSrc, outerDst);
  // A symmetric call through a tunnel broker: as much comes in as goes out.
  const call = byTime([
    ...flow(HOST, SERVER, 1_000).map((p) => carried(p, ROUTER, BROKER)),
    ...flow(SERVER, HOST, 1_000, { startUs: 100 }).map((p) =>
      carried(p, BROKER, ROUTER)
    ),
  ]);
  assert.deepEqual(run(call, ONE_MB), []);
  // The C2 answers an implant's datagram to its VXLAN port with a forged
  // inner datagram "C2:40000 → implant:50001" (through the NAT's hole),
  // then the implant uploads on that very flow, untunnelled.
  const C2 = OUTSIDE;
  const hole = {
    ...udpPacket({
      atUs: 0,
      src: INSIDE,
      dst: C2,
      srcPort: 8472,
      dstPort: 4789,
    }),
    ipLength: 60,
  };
  const forged = inTunnel(
    {
      ...udpPacket({
        atUs: 1_000,
        src: C2,
        dst: INSIDE,
        srcPort: 40_000,
        dstPort: 50_001,
      }),
      ipLength: 48,
    },
    "vxlan",
    C2,
    INSIDE,
  );
  const injected = run([
    hole,
    forged,
    ...datagrams(INSIDE, 50_001, C2, 40_000, 1_000, 2_000),
  ], ONE_MB);
  assert.ok(injected.length >= 1);
  assert.equal(injected.at(-1)?.evidence.servedBytes, 0);
  // Its own connection from port 443, a spray evicting it, 21 minutes of
  // silence, then the upload: the ports would call it a server's answers.
  const own = tcpPacket({
    atUs: 0,
    src: INSIDE,
    dst: C2,
    srcPort: 443,
    dstPort: 40_000,
    flags: TCP_FLAGS.SYN,
  });
  const spray = sprayOfFlows(1_000_000, "192.0.2.99");
  const afterSilence = times(1_000, (i) => ({
    ...tcpPacket({
      atUs: 1_300_000_000 + i * 1_000,
      src: INSIDE,
      dst: C2,
      srcPort: 443,
      dstPort: 40_000,
      flags: TCP_FLAGS.ACK,
    }),
    ipLength: 1_500,
  }));
  const silent = run([own, ...spray, ...afterSilence], ONE_MB);
  assert.ok(silent.length >= 1);
  assert.equal(silent.at(-1)?.evidence.servedBytes, 0);
});

Deno.test("data_exfil: in a VXLAN tunnel the home host opened, no inner flow is a server's; an inner IP length is no more than the frame holds; a tunnel in after the home end sent its far end a datagram is no mirror feed", () => {
  const C2 = OUTSIDE;
  /** `packet` in VXLAN from `outerSrc` to `outerDst`. */
  const vxlan = (packet: PacketRecord, outerSrc: string, outerDst: string) =>
    inTunnel(packet, "vxlan", outerSrc, outerDst);
  // The implant's VXLAN to its C2; the C2 sends an inner datagram first
  // (C2:40000 → implant:50001), then the implant uploads on that flow.
  const opening = vxlan(
    {
      ...udpPacket({
        atUs: 0,
        src: INSIDE,
        dst: C2,
        srcPort: 5_000,
        dstPort: 5_001,
      }),
      ipLength: 60,
    },
    INSIDE,
    C2,
  );
  const first = vxlan(
    {
      ...udpPacket({
        atUs: 1_000,
        src: C2,
        dst: INSIDE,
        srcPort: 40_000,
        dstPort: 50_001,
      }),
      ipLength: 48,
    },
    C2,
    INSIDE,
  );
  const upload = datagrams(INSIDE, 50_001, C2, 40_000, 1_000, 2_000).map((p) =>
    vxlan(p, INSIDE, C2)
  );
  const tunnelled = run([opening, first, ...upload], ONE_MB);
  assert.ok(tunnelled.length >= 1);
  assert.equal(tunnelled.at(-1)?.evidence.servedBytes, 0);
  // 1.5 MB up over TCP while the C2 sends 100 tiny VXLAN datagrams whose
  // inner IP length says 65 535.
  const inflated = times(100, (i) =>
    vxlan(
      {
        ...udpPacket({
          atUs: i * 10_000,
          src: C2,
          dst: INSIDE,
          srcPort: 40_000,
          dstPort: 50_001,
        }),
        ipLength: 65_535,
        wireLength: 120,
      },
      C2,
      INSIDE,
    ));
  const real = times(1_000, (i) => ({
    ...tcpPacket({
      atUs: i * 1_000,
      src: INSIDE,
      dst: C2,
      srcPort: 50_000,
      dstPort: 443,
      flags: TCP_FLAGS.ACK,
    }),
    ipLength: 1_500,
    wireLength: 1_514,
  }));
  assert.ok(run(byTime([...inflated, ...real]), ONE_MB).length >= 1);
  // The implant opens its NAT to the C2 with a plain datagram; the C2's
  // "feed" back carries inner bytes of a made-up pair: no mirror feed.
  const THIRD = "198.51.100.20";
  const plain = {
    ...udpPacket({
      atUs: 0,
      src: INSIDE,
      dst: C2,
      srcPort: 8_472,
      dstPort: 4_789,
    }),
    ipLength: 60,
    wireLength: 74,
  };
  const feed = times(1_000, (i) =>
    vxlan(
      {
        ...udpPacket({
          atUs: 1_000 + i * 1_000,
          src: THIRD,
          dst: INSIDE,
          srcPort: 443,
          dstPort: 50_000,
        }),
        ipLength: 1_400,
        wireLength: 1_464,
      },
      C2,
      INSIDE,
    ));
  const toThird = times(1_000, (i) => ({
    ...tcpPacket({
      atUs: 1_500 + i * 1_000,
      src: INSIDE,
      dst: THIRD,
      srcPort: 50_000,
      dstPort: 443,
      flags: TCP_FLAGS.ACK,
    }),
    ipLength: 1_500,
    wireLength: 1_514,
  }));
  const hidden = run(byTime([plain, ...feed, ...toThird]), ONE_MB);
  assert.ok(hidden.some((finding) => finding.victim === THIRD));
});
