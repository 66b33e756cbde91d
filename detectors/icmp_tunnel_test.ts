import assert from "node:assert/strict";
import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import {
  createIcmpTunnelDetector,
  ICMP_TUNNEL_DEFAULTS,
} from "./icmp_tunnel.ts";
import { findingsOf, icmpPacket, SECOND_US, T0 } from "./test_packets.ts";
import { icmpFrame } from "../capture/frame_builder.ts";
import { decodeFrame, V4 } from "../capture/decode/test_helpers.ts";

const CLIENT = "10.0.0.5";
const PROXY = "198.51.100.77";

/** An echo request or reply (`reply`) with data hash `hash` and `length` data bytes. */
function echo(
  atUs: number,
  src: string,
  dst: string,
  reply: boolean,
  seq: number,
  hash: number,
  length = 64,
  id = 7,
): PacketRecord {
  const v6 = src.includes(":");
  return {
    ...icmpPacket({
      atUs,
      src,
      dst,
      type: reply ? (v6 ? 129 : 0) : (v6 ? 128 : 8),
    }),
    icmpId: id,
    icmpSeq: seq,
    icmpEchoSum: hash,
    payloadLength: length,
  };
}

/**
 * `count` exchanges one every `gapUs` from `startUs`: a request from
 * `client` to `server` and a reply 20 ms later, whose data differs from the
 * request's when `differs(i)`.
 */
function exchanges(
  count: number,
  differs: (i: number) => boolean,
  options: {
    startUs?: number;
    gapUs?: number;
    client?: string;
    server?: string;
    requestLength?: number;
    replyLength?: number;
  } = {},
): PacketRecord[] {
  const {
    startUs = T0,
    gapUs = SECOND_US / 2,
    client = CLIENT,
    server = PROXY,
    requestLength = 64,
    replyLength = requestLength,
  } = options;
  const packets: PacketRecord[] = [];
  for (let i = 0; i < count; i++) {
    const atUs = startUs + i * gapUs;
    const hash = 1000 + i;
    packets.push(echo(atUs, client, server, false, i, hash, requestLength));
    packets.push(
      echo(
        atUs + 20_000,
        server,
        client,
        true,
        i,
        differs(i) ? hash + 500_000 : hash,
        replyLength,
      ),
    );
  }
  return packets;
}

function tunnelFindings(packets: PacketRecord[], options = {}): Finding[] {
  const detector = createIcmpTunnelDetector(options);
  const findings = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)?.timestampUs ?? 0, (f) => findings.push(f));
  return findings;
}

Deno.test("icmp_tunnel: replies that carry other data than their requests are a tunnel, named client → server", () => {
  // A session's first request only marks the doorkeeper: its reply is not
  // judged, and the tunnel counts from the second exchange.
  const findings = tunnelFindings(exchanges(40, () => true));
  assert.ok(findings.length >= 2);
  const first = findings[0]!;
  assert.equal(first.kind, "icmp_tunnel");
  assert.equal(first.attacker, CLIENT);
  assert.equal(first.victim, PROXY);
  assert.equal(first.key, `${CLIENT}→${PROXY}`);
  assert.equal(first.evidence.differingReplies, 8);
  assert.equal(first.startUs, T0 + SECOND_US / 2 + 20_000);
  assert.match(first.summary, /ICMP tunnel/);
  const last = findings.at(-1)!;
  assert.equal(last.evidence.differingReplies, 39);
  assert.equal(last.evidence.judgedReplies, 39);
  // Requests and bytes count from the crossing (the ninth exchange) on.
  assert.equal(last.evidence.requests, 31);
  assert.equal(last.evidence.requestDataBytes, 31 * 64);
  assert.equal(last.severity, "medium");
  assert.equal(new Set(findings.map((f) => f.key)).size, 1);
});

Deno.test("icmp_tunnel: pings whose replies echo their data raise nothing, however many", () => {
  assert.deepEqual(tunnelFindings(exchanges(10_000, () => false)), []);
  // Over IPv6 too.
  assert.deepEqual(
    tunnelFindings(
      exchanges(200, () => false, { client: "fd00::5", server: "fd00::9" }),
    ),
    [],
  );
});

Deno.test("icmp_tunnel: one reply short of the threshold raises nothing, at it one finding", () => {
  const { minMismatches } = ICMP_TUNNEL_DEFAULTS;
  // Exchange 0 is the session's first (not judged): 1 … minMismatches - 1 differ.
  assert.deepEqual(
    tunnelFindings(exchanges(30, (i) => i < minMismatches)),
    [],
  );
  // The crossing: one finding (the echoes after it change no figure that
  // counts).
  const findings = tunnelFindings(exchanges(30, (i) => i <= minMismatches));
  assert.equal(findings.length, 1);
  assert.ok(
    findings.every((f) => f.evidence.differingReplies === minMismatches),
  );
  assert.equal(findings.at(-1)!.evidence.judgedReplies, minMismatches);
});

Deno.test("icmp_tunnel: a tunnel server whose kernel also echoes each request (half the replies match) is a tunnel; a few odd replies among many echoes are not", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 30; i++) {
    const atUs = T0 + i * SECOND_US;
    packets.push(echo(atUs, CLIENT, PROXY, false, i, 1000 + i));
    packets.push(echo(atUs + 10_000, PROXY, CLIENT, true, i, 1000 + i));
    packets.push(echo(atUs + 30_000, PROXY, CLIENT, true, i, 9000 + i, 300));
  }
  const findings = tunnelFindings(packets);
  assert.ok(findings.length >= 1);
  // The session's first request is not remembered: 29 exchanges judged,
  // two replies each.
  assert.equal(findings.at(-1)!.evidence.judgedReplies, 58);
  assert.equal(findings.at(-1)!.evidence.differingReplies, 29);
  // 10 odd replies among 100 echoes within the minute: under a quarter.
  assert.deepEqual(
    tunnelFindings(exchanges(110, (i) => i % 11 === 0, { gapUs: 500_000 })),
    [],
  );
});

Deno.test("icmp_tunnel: differing replies must come within one window", () => {
  // One differing reply every 10 s: 6 a minute, never 8.
  assert.deepEqual(
    tunnelFindings(exchanges(60, () => true, { gapUs: 10 * SECOND_US })),
    [],
  );
});

Deno.test("icmp_tunnel: a reply cut short of a large request is not judged; of a small one it is", () => {
  assert.deepEqual(
    tunnelFindings(
      exchanges(40, () => true, { requestLength: 1_400, replyLength: 548 }),
    ),
    [],
  );
  assert.equal(
    tunnelFindings(
      exchanges(40, () => true, { requestLength: 548, replyLength: 100 }),
    ).length > 0,
    true,
  );
});

Deno.test("icmp_tunnel: replies with no request seen, or to a request too old, are not judged", () => {
  const replies = exchanges(40, () => true).filter((p) => p.icmpType === 0);
  assert.deepEqual(tunnelFindings(replies), []);
  // Every reply 31 s after the last request: requests and their echo
  // session forgotten.
  const packets = exchanges(40, () => true);
  const lastRequestUs = packets.at(-2)!.timestampUs;
  const late = packets.map((p, i) =>
    p.icmpType === 0
      ? { ...p, timestampUs: lastRequestUs + 31 * SECOND_US + i }
      : p
  ).sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(tunnelFindings(late, { windowUs: 120 * SECOND_US }), []);
});

Deno.test("icmp_tunnel: replies of sequence numbers the client never sent, in an echo session that goes on, are a tunnel's own (ptunnel's proxy)", () => {
  // The client's requests (id 7, seq 0–39) echoed by the server's kernel,
  // and the proxy's replies numbered on from 100.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const atUs = T0 + i * SECOND_US / 4;
    packets.push(echo(atUs, CLIENT, PROXY, false, i, 1000 + i));
    packets.push(echo(atUs + 1_000, PROXY, CLIENT, true, i, 1000 + i));
    packets.push(echo(atUs + 5_000, PROXY, CLIENT, true, 100 + i, 5, 1_024));
  }
  const last = tunnelFindings(packets).at(-1)!;
  assert.equal(last.kind, "icmp_tunnel");
  assert.equal(last.evidence.repliesToNoRequest, 39);
  assert.equal(last.evidence.differingReplies, 39);
  // The same replies under another identifier than the client's session,
  // or to a client that sent no request: a reply whose request this
  // capture did not see is not judged.
  const other = packets.map((p) => p.icmpSeq >= 100 ? { ...p, icmpId: 8 } : p);
  assert.deepEqual(tunnelFindings(other), []);
  assert.deepEqual(
    tunnelFindings(packets.filter((p) => p.icmpSeq >= 100)),
    [],
  );
});

Deno.test("icmp_tunnel: first fragments are judged (the checksum sums the whole message); cut echo headers are not", () => {
  // ptunnel-ng -y 1600: every message fragmented.
  const fragments = exchanges(40, () => true).map((p) => ({
    ...p,
    fragment: true,
  }));
  assert.equal(tunnelFindings(fragments).at(-1)!.evidence.differingReplies, 39);
  const cut = exchanges(40, () => true).map((p) => ({
    ...p,
    icmpEchoSum: -1,
  }));
  assert.deepEqual(tunnelFindings(cut), []);
});

Deno.test("icmp_tunnel: a tunnel quiet for a window ends; one back within 12 minutes goes on with its figures, one later is a new incident with its own", () => {
  const first = exchanges(20, () => true);
  const firstStartUs = T0 + SECOND_US / 2 + 20_000;
  const later = exchanges(30, () => true, { startUs: T0 + 800 * SECOND_US });
  const findings = tunnelFindings([...first, ...later]);
  const starts = new Set(findings.map((f) => f.startUs));
  assert.equal(starts.size, 2);
  const firstLast = findings.filter((f) => f.startUs === firstStartUs).at(-1)!;
  assert.equal(firstLast.evidence.differingReplies, 19);
  // The session was forgotten, but its doorkeeper bit remembers it.
  assert.equal(findings.at(-1)!.evidence.differingReplies, 30);
  // Back after 200 s: the alert it goes to is the same, and so are the
  // figures, from the first stretch's start.
  const again = exchanges(30, () => true, { startUs: T0 + 200 * SECOND_US });
  const goneOn = tunnelFindings([...first, ...again]).at(-1)!;
  assert.equal(goneOn.startUs, firstStartUs);
  assert.equal(goneOn.evidence.differingReplies, 19 + 30);
  assert.ok((goneOn.evidence.durationSeconds as number) > 200);
});

Deno.test("icmp_tunnel: a megabyte through the tunnel is high severity", () => {
  const findings = tunnelFindings(
    exchanges(800, () => true, { requestLength: 700, gapUs: 50_000 }),
  );
  assert.equal(findings.at(-1)!.severity, "high");
});

Deno.test("icmp_tunnel: a sweep (one request to each of many hosts) takes no table space; echo sessions are bounded", () => {
  const detector = createIcmpTunnelDetector({ maxSessions: 1_000 });
  const sweep: PacketRecord[] = [];
  for (let i = 0; i < 50_000; i++) {
    sweep.push(
      echo(
        T0 + i * 100,
        CLIENT,
        `10.1.${(i >> 8) & 255}.${i & 255}`,
        false,
        0,
        i,
      ),
    );
  }
  findingsOf(detector, sweep);
  // The doorkeeper lets a few strangers by (its bitmap's false positives).
  const swept = detector.tables().sessions!;
  assert.ok(swept.size + swept.evictions < 50_000 / 8, JSON.stringify(swept));
  // Sessions of two requests each: admitted, and the oldest evicted.
  const sessions: PacketRecord[] = [];
  for (let i = 0; i < 5_000; i++) {
    const host = `10.2.${(i >> 8) & 255}.${i & 255}`;
    sessions.push(
      echo(T0 + 10 * SECOND_US + i * 100, CLIENT, host, false, 0, i),
    );
    sessions.push(
      echo(T0 + 10 * SECOND_US + i * 100 + 50, CLIENT, host, false, 1, i),
    );
  }
  findingsOf(detector, sessions);
  const tables = detector.tables();
  assert.equal(tables.sessions!.size, 1_000);
  assert.ok(tables.sessions!.evictions >= 4_000);
  assert.equal(tables.pairs!.size, 0);
});

/**
 * `rounds` of ping -l, a second apart: `inFlight` requests from each round's
 * start, then, `replyDelayUs` later, their replies echoing their data.
 */
function pingsInFlight(
  rounds: number,
  inFlight: number,
  replyDelayUs: number,
): PacketRecord[] {
  const packets: PacketRecord[] = [];
  for (let round = 0; round < rounds; round++) {
    const startUs = T0 + round * SECOND_US;
    for (let i = 0; i < inFlight; i++) {
      const seq = round * inFlight + i;
      packets.push(echo(startUs + i, CLIENT, PROXY, false, seq, seq));
    }
    for (let i = 0; i < inFlight; i++) {
      const seq = round * inFlight + i;
      packets.push(
        echo(startUs + replyDelayUs + i, PROXY, CLIENT, true, seq, seq),
      );
    }
  }
  return packets;
}

Deno.test("icmp_tunnel: replies to earlier requests of a session than its last two (ping -l) are not judged", () => {
  // 20 requests in flight, then their replies, echoing their data.
  assert.deepEqual(tunnelFindings(pingsInFlight(10, 20, 1_000)), []);
});

Deno.test("createIcmpTunnelDetector() refuses bad options with their names", () => {
  assert.throws(
    () => createIcmpTunnelDetector({ minMismatches: 0 }),
    /minMismatches must be positive/,
  );
  assert.throws(
    () => createIcmpTunnelDetector({ minMismatches: 2.5 }),
    /minMismatches must be an integer/,
  );
  assert.throws(
    () => createIcmpTunnelDetector({ minMismatchShare: 1.5 }),
    /minMismatchShare must be within/,
  );
});

Deno.test("icmp_tunnel: ordinary pings that once looked like tunnels stay quiet (review): 100 in flight, odd replies among thousands, requests the capture missed", () => {
  // ping -l 100 over a slow link: 100 requests out, then their replies.
  assert.deepEqual(tunnelFindings(pingsInFlight(5, 100, 500_000)), []);
  // 3 000 echoes in a minute, 8 of whose replies differ in a row.
  assert.deepEqual(
    tunnelFindings(
      exchanges(3_000, (i) => i >= 1_000 && i < 1_008, { gapUs: 10_000 }),
    ),
    [],
  );
  // Every other request missing from the capture: each reply is one ahead
  // of the last request seen.
  const missed = exchanges(200, () => false).filter((p, i) =>
    p.icmpType === 0 || (i / 2) % 2 === 0
  );
  assert.deepEqual(tunnelFindings(missed), []);
});

Deno.test("icmp_tunnel: a plain ping beside the tunnel (another echo session to the same server) does not dilute it", () => {
  const tunnel = exchanges(30, () => true, { gapUs: SECOND_US });
  const ping: PacketRecord[] = [];
  for (let i = 0; i < 300; i++) {
    const atUs = T0 + i * SECOND_US / 10 + 3_000;
    ping.push(echo(atUs, CLIENT, PROXY, false, i, 50_000 + i, 56, 99));
    ping.push(echo(atUs + 1_000, PROXY, CLIENT, true, i, 50_000 + i, 56, 99));
  }
  const packets = [...tunnel, ...ping].sort((a, b) =>
    a.timestampUs - b.timestampUs
  );
  const last = tunnelFindings(packets).at(-1)!;
  assert.equal(last.kind, "icmp_tunnel");
  assert.equal(last.evidence.differingReplies, 29);
});

/**
 * `count` echo requests one every `gapUs` from `startUs`, with data `tail(i)`
 * past the send time (`icmpEchoTailSum`), in session `id(i)`, each answered
 * 20 ms later by an echo of it unless `answered` is false.
 */
function requests(
  count: number,
  tail: (i: number) => number,
  options: {
    startUs?: number;
    gapUs?: number;
    client?: string;
    server?: string;
    length?: number;
    id?: (i: number) => number;
    answered?: boolean;
  } = {},
): PacketRecord[] {
  const {
    startUs = T0,
    gapUs = SECOND_US / 2,
    client = CLIENT,
    server = PROXY,
    length = 100,
    id = () => 7,
    answered = true,
  } = options;
  const packets: PacketRecord[] = [];
  for (let i = 0; i < count; i++) {
    const atUs = startUs + i * gapUs;
    // The whole sum changes with the send time, as a ping's does.
    const sum = (i * 7919) & 0xffff;
    packets.push({
      ...echo(atUs, client, server, false, i, sum, length, id(i)),
      icmpEchoTailSum: tail(i),
    });
    if (answered) {
      packets.push({
        ...echo(atUs + 20_000, server, client, true, i, sum, length, id(i)),
        icmpEchoTailSum: tail(i),
      });
    }
  }
  return packets;
}

Deno.test("icmp_tunnel: echo requests with new data each time (hping3 -E), echoed by the kernel, are a tunnel, named client → server", () => {
  const findings = tunnelFindings(requests(12, (i) => 100 + i));
  assert.ok(findings.length >= 1);
  const first = findings[0]!;
  assert.equal(first.attacker, CLIENT);
  assert.equal(first.victim, PROXY);
  // The first request is the pair's first sighting, the second its first
  // kind of data; from the third on each is judged.
  assert.equal(first.evidence.requestsWithNewData, 8);
  assert.equal(first.evidence.judgedRequests, 8);
  assert.equal(first.evidence.differingReplies, 0);
  assert.match(
    first.summary,
    /^10\.0\.0\.5 sent 198\.51\.100\.77 echo requests with new data past the send time in 8 of 8 \(\d+ bytes/,
  );
  assert.equal(findings.at(-1)!.evidence.requestsWithNewData, 10);
});

Deno.test("icmp_tunnel: a ping per piece of data (ping -p in a loop: a new identifier each time) is a tunnel too, and so is a one-way capture of it", () => {
  const loop = requests(20, (i) => 5_000 + i, { id: (i) => 1_000 + i });
  assert.equal(tunnelFindings(loop).length >= 1, true);
  const oneWay = requests(20, (i) => 5_000 + i, {
    id: (i) => 1_000 + i,
    answered: false,
  });
  const findings = tunnelFindings(oneWay);
  assert.equal(findings[0]!.attacker, CLIENT);
  assert.equal(findings[0]!.evidence.judgedReplies, 0);
});

Deno.test("icmp_tunnel: pings raise nothing by their requests: one pattern past the send time, two tools' patterns alternating, or data that changes once in a while", () => {
  assert.deepEqual(tunnelFindings(requests(1_000, () => 4242)), []);
  // Three pingers of one host to one server, interleaved.
  assert.deepEqual(
    tunnelFindings(requests(1_000, (i) => [11, 22, 33][i % 3]!)),
    [],
  );
  // A new pattern every tenth request (below a quarter of them).
  assert.deepEqual(
    tunnelFindings(requests(200, (i) => Math.floor(i / 10))),
    [],
  );
  // Same data, another length: another kind, but it repeats.
  assert.deepEqual(
    tunnelFindings(
      requests(400, () => 7, {}).map((packet, i) =>
        i % 4 < 2 ? packet : { ...packet, payloadLength: 1_400 }
      ),
    ),
    [],
  );
});

Deno.test("icmp_tunnel: new data in requests must come within one window; a quiet window ends the incident", () => {
  // One new kind every 10 s: 6 a minute, under the 8 needed.
  assert.deepEqual(
    tunnelFindings(requests(40, (i) => i, { gapUs: 10 * SECOND_US })),
    [],
  );
  const first = requests(15, (i) => i);
  const second = requests(25, (i) => 100 + i, {
    startUs: T0 + 800 * SECOND_US,
  });
  const findings = tunnelFindings([...first, ...second]);
  const starts = new Set(findings.map((f) => f.startUs));
  assert.equal(starts.size, 2);
  assert.equal(findings.at(-1)!.evidence.requestsWithNewData, 24);
});

Deno.test("icmp_tunnel: a tunnel whose replies differ and whose requests carry new data counts both in one incident", () => {
  const packets = requests(30, (i) => i).map((packet) =>
    packet.icmpType === 0
      ? { ...packet, icmpEchoSum: (packet.icmpEchoSum + 1) & 0xffff }
      : packet
  );
  const findings = tunnelFindings(packets);
  const last = findings.at(-1)!;
  assert.equal(new Set(findings.map((f) => f.key)).size, 1);
  assert.ok((last.evidence.differingReplies as number) > 0);
  assert.ok((last.evidence.requestsWithNewData as number) > 0);
  assert.match(last.summary, /, and 10\.0\.0\.5's requests had new data/);
});

Deno.test("icmp_tunnel: request pairs are bounded; a sweep's one request per host takes no room", () => {
  const detector = createIcmpTunnelDetector({ maxRequestPairs: 500 });
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 20_000; i++) {
    const host = `10.3.${(i >> 8) & 255}.${i & 255}`;
    packets.push({
      ...echo(T0 + i * 100, CLIENT, host, false, 0, i),
      icmpEchoTailSum: i & 0xffff,
    });
  }
  findingsOf(detector, packets);
  const swept = detector.tables().requestPairs!;
  assert.ok(swept.size < 20_000 / 8, JSON.stringify(swept));
  // Two requests to each of 2 000 hosts: admitted up to the bound.
  const twice: PacketRecord[] = [];
  for (let i = 0; i < 2_000; i++) {
    const host = `10.4.${(i >> 8) & 255}.${i & 255}`;
    for (const seq of [0, 1]) {
      twice.push({
        ...echo(
          T0 + 5 * SECOND_US + i * 100 + seq,
          CLIENT,
          host,
          false,
          seq,
          i,
        ),
        icmpEchoTailSum: 9,
      });
    }
  }
  findingsOf(detector, twice);
  const tables = detector.tables();
  assert.equal(tables.requestPairs!.size, 500);
  assert.ok(tables.requestPairs!.evictions >= 1_500);
  assert.equal(tables.pairs!.size, 0);
});

/** The `n`-th echo exchange of session `id` from V4's source to its destination, `n` seconds in: a request carrying `data` and its kernel's echo 1 ms later, as decoded from real frames. */
function decodedExchange(
  n: number,
  id: number,
  data: Uint8Array,
): PacketRecord[] {
  const atUs = T0 + n * SECOND_US;
  return [
    decodeFrame(icmpFrame(V4, { type: 8, id, seq: n + 1 }, data), {
      timestampUs: atUs,
    }).packet,
    decodeFrame(
      icmpFrame({ ...V4, src: V4.dst, dst: V4.src }, {
        type: 0,
        id,
        seq: n + 1,
      }, data),
      { timestampUs: atUs + 1_000 },
    ).packet,
  ];
}

Deno.test("icmp_tunnel: a path MTU check (ping -s over many sizes, one request each) is no tunnel; the same sizes with new data each are", () => {
  /** Echo requests of data lengths 1464 down to 1376, one a second, each answered, with byte i of the data past the send time `fill(i, n)` for the n-th. */
  const sweep = (fill: (i: number, n: number) => number) =>
    Array.from({ length: 12 }, (_, n) => {
      const length = 1_464 - 8 * n;
      const data = Uint8Array.from(
        { length },
        (_, i) => i < 16 ? (n * 31 + i) & 255 : fill(i, n),
      );
      return decodedExchange(n, 0x4242, data);
    }).flat();
  // iputils (incrementing bytes) and Windows (its alphabet): one kind each.
  assert.deepEqual(tunnelFindings(sweep((i) => i & 255)), []);
  assert.deepEqual(tunnelFindings(sweep((i) => 0x61 + (i % 23))), []);
  // A file sent piece by piece in requests of those sizes.
  const findings = tunnelFindings(sweep((i, n) => (i * 7 + n * 13) & 255));
  assert.ok(findings.length > 0);
  assert.equal(findings[0]?.kind, "icmp_tunnel");
  assert.equal(findings[0]?.attacker, V4.src);
});

Deno.test("icmp_tunnel: a pattern known only by its sum makes one kind of a path MTU check's share of requests, not of a tunnel's: 60 sizes of zero-sum data are one", () => {
  // Data past the stamp summing to zero (a tunnel's two bytes make any data
  // so), at a new length each time, one a second, each answered.
  const packets = Array.from(
    { length: 60 },
    (_, n) => decodedExchange(n, 0x77, new Uint8Array(200 + 10 * n)),
  ).flat();
  const findings = tunnelFindings(packets);
  assert.ok(findings.length > 0);
  assert.equal(findings[0]?.attacker, V4.src);
  // The first 33 (the pair's first, then 32 "patterns") are one kind.
  assert.deepEqual(tunnelFindings(packets.slice(0, 66)), []);
});

/** pro-bing's echo data: send time (8 bytes), a version-4 UUID from `seed`, `padding` bytes of 1. */
function proBingData(seed: number, atUs: number, padding = 0): Uint8Array {
  const data = new Uint8Array(24 + padding).fill(1);
  new DataView(data.buffer).setBigUint64(0, BigInt(atUs) * 1000n);
  for (let i = 0; i < 16; i++) data[8 + i] = (seed * 197 + i * 71) & 255;
  data[14] = (data[14]! & 0x0f) | 0x40;
  data[16] = (data[16]! & 0x3f) | 0x80;
  return data;
}

/** A request from CLIENT to PROXY with `data` at `atUs`, and the kernel's echo of it 1 ms later, decoded from real frames. */
function decodedExchangeOf(
  atUs: number,
  id: number,
  data: Uint8Array,
): PacketRecord[] {
  const out = { srcMac: V4.srcMac, dstMac: V4.dstMac, src: CLIENT, dst: PROXY };
  const back = {
    srcMac: V4.dstMac,
    dstMac: V4.srcMac,
    src: PROXY,
    dst: CLIENT,
  };
  return [
    decodeFrame(icmpFrame(out, { type: 8, id, seq: 0 }, data), {
      timestampUs: atUs,
    }).packet,
    decodeFrame(icmpFrame(back, { type: 0, id, seq: 0 }, data), {
      timestampUs: atUs + 1_000,
    }).packet,
  ];
}

Deno.test("icmp_tunnel: a Go monitor that makes a pro-bing pinger for each check (a new identifier and UUID each time) is no tunnel, up to 64 checks a minute; forged past that, its UUIDs are new data", () => {
  const checks = (count: number, gapUs: number, padding = 0) =>
    Array.from({ length: count }, (_, i) => {
      const atUs = T0 + i * gapUs;
      return decodedExchangeOf(
        atUs,
        (i * 7919) & 0xffff,
        proBingData(i + 1, atUs, padding),
      );
    }).flat();
  // Every 2 s for 5 minutes, at pro-bing's default size and at 64 bytes.
  assert.deepEqual(tunnelFindings(checks(150, 2 * SECOND_US)), []);
  assert.deepEqual(tunnelFindings(checks(150, 2 * SECOND_US, 40)), []);
  // Once a second is 60 a minute: still one kind.
  assert.deepEqual(tunnelFindings(checks(180, SECOND_US)), []);
  // Four a second: past 64 in a window, each UUID is new data.
  assert.ok(tunnelFindings(checks(400, SECOND_US / 4)).length >= 1);
  // The same checks whose padding is not bytes of 1: new data each time.
  const notProBing = Array.from({ length: 40 }, (_, i) => {
    const atUs = T0 + i * 2 * SECOND_US;
    const data = proBingData(i + 1, atUs, 8);
    data[30] = 2;
    return decodedExchangeOf(atUs, (i * 7919) & 0xffff, data);
  }).flat();
  assert.ok(tunnelFindings(notProBing).length >= 1);
});

Deno.test("icmp_tunnel: a monitor's pro-bing checks do not dilute a tunnel's new data, and a forged layout whose send time carries data is new data (red team)", () => {
  // Per minute for 3 minutes: 60 checks of a Go monitor, and 12 requests of
  // 1400 bytes of new data each, every reply the kernel's echo.
  const packets: PacketRecord[] = [];
  for (let minute = 0; minute < 3; minute++) {
    for (let i = 0; i < 60; i++) {
      const atUs = T0 + minute * 60 * SECOND_US + i * SECOND_US;
      packets.push(
        ...decodedExchangeOf(
          atUs,
          (minute * 60 + i) * 31 & 0xffff,
          proBingData(minute * 60 + i + 1, atUs),
        ),
      );
      if (i % 5 === 2) {
        const data = new Uint8Array(1400).map((_, k) =>
          (k * 7 + i + minute * 61) & 255
        );
        packets.push(...decodedExchangeOf(atUs + 500_000, 4242, data));
      }
    }
  }
  assert.ok(tunnelFindings(packets).length >= 1);
  // Checks whose send time is an hour off carry data there: each is new.
  const forged = Array.from({ length: 40 }, (_, i) => {
    const atUs = T0 + i * 2 * SECOND_US;
    return decodedExchangeOf(
      atUs,
      (i * 7919) & 0xffff,
      proBingData(i + 1, atUs - 3_600 * SECOND_US),
    );
  }).flat();
  assert.ok(tunnelFindings(forged).length >= 1);
});
