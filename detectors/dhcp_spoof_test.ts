import assert from "node:assert/strict";
import {
  dhcpv6Message,
  duidOfMac,
  udpFrame,
} from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import { createDhcpSpoofDetector, DHCP_SPOOF_DEFAULTS } from "./dhcp_spoof.ts";
import { findingsOf, SECOND_US, T0 } from "./test_packets.ts";

const MITM6 = "fe80::a00:27ff:fec3:5a42";
const MITM6_MAC = "08:00:27:c3:5a:42";

/** A client's link-local address and MAC, number `n`. */
function client(n: number): { ip: string; mac: string } {
  const hex = n.toString(16).padStart(2, "0");
  return { ip: `fe80::56e1:adff:fe3c:11${hex}`, mac: `54:e1:ad:3c:11:${hex}` };
}

/** A server's answer (advertise 2, reply 7) to client `n`, leasing `leases`, decoded from a real frame. */
function answer(
  atUs: number,
  n: number,
  leases: string[],
  options: {
    type?: number;
    server?: string;
    serverMac?: string;
    dnsServers?: string[];
    ports?: { srcPort: number; dstPort: number };
  } = {},
): PacketRecord {
  const to = client(n);
  const server = options.server ?? MITM6;
  const serverMac = options.serverMac ?? MITM6_MAC;
  return decodeFrame(
    udpFrame(
      { src: server, dst: to.ip, srcMac: serverMac, dstMac: to.mac },
      options.ports ?? { srcPort: 547, dstPort: 546 },
      dhcpv6Message({
        type: options.type ?? 2,
        transactionId: n,
        clientDuid: duidOfMac(to.mac),
        serverDuid: duidOfMac(serverMac),
        leases,
        dnsServers: options.dnsServers ?? [server],
      }),
    ),
    { timestampUs: atUs },
  ).packet;
}

/** mitm6 answering client `n` at `atUs`: advertise, then reply, each leasing fe80::1:<n>. */
function mitm6(n: number, atUs: number): PacketRecord[] {
  const lease = [`fe80::1:${n.toString(16)}`];
  return [
    answer(atUs, n, lease),
    answer(atUs + 50_000, n, lease, { type: 7 }),
  ];
}

function runAll(packets: PacketRecord[]): Finding[] {
  const detector = createDhcpSpoofDetector();
  const findings = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)!.timestampUs, (f) => findings.push(f));
  return findings;
}

Deno.test("dhcp_spoof: mitm6 leasing link-local addresses to three Windows hosts is one incident, found at its first answer", () => {
  const packets = [1, 2, 3].flatMap((n) => mitm6(n, T0 + n * SECOND_US));
  const findings = runAll(packets);
  const first = findings[0]!;
  assert.deepEqual(
    [
      first.kind,
      first.key,
      first.attacker,
      first.victim,
      first.severity,
      first.timestampUs,
      first.startUs,
    ],
    [
      "dhcp_spoof",
      `${MITM6} ${MITM6_MAC}`,
      MITM6,
      client(1).ip,
      "high",
      T0 + SECOND_US,
      T0 + SECOND_US,
    ],
  );
  assert.equal(
    first.summary,
    `${MITM6} (${MITM6_MAC}) answered 1 DHCPv6 client with link-local addresses (fe80::1:1), naming ${MITM6} as DNS server: mitm6's way to become the hosts' DNS server; 1 answer.`,
  );
  assert.ok(findings.every((f) => f.key === first.key));
  const last = findings.at(-1)!;
  assert.deepEqual(
    [
      last.victim,
      last.evidence.answers,
      last.evidence.clients,
      last.evidence.leaseSamples,
      last.evidence.linkLocalDnsServer,
      last.evidence.serverId,
    ],
    [
      client(1).ip,
      6,
      "3",
      ["fe80::1:1", "fe80::1:2", "fe80::1:3"],
      true,
      "00:03:00:01:08:00:27:c3:5a:42",
    ],
  );
  assert.deepEqual(
    last.evidence.clientSamples,
    [1, 2, 3].map((n) => client(n).ip),
  );
  // The first finding's evidence did not change with the later ones.
  assert.deepEqual(first.evidence.leaseSamples, ["fe80::1:1"]);
});

Deno.test("dhcp_spoof: a DHCPv6 server leasing global or unique-local addresses, a client's message, DHCPv6 from other ports raise nothing", () => {
  const server = "fe80::1";
  const serverMac = "00:0c:29:00:00:01";
  assert.deepEqual(
    runAll([
      answer(T0, 1, ["2001:db8::1:1"], { server, serverMac }),
      answer(T0 + 1, 2, ["fd00::1:2"], { server, serverMac, type: 7 }),
      // No lease: a stateless answer (DNS servers only).
      answer(T0 + 2, 3, [], { server, serverMac, dnsServers: ["fe80::1"] }),
      // A link-local lease, but not to the client's port, or not an answer.
      answer(T0 + 3, 4, ["fe80::1:4"], {
        ports: { srcPort: 547, dstPort: 5460 },
      }),
      answer(T0 + 4, 5, ["fe80::1:5"], { type: 3 }),
    ]),
    [],
  );
});

Deno.test("dhcp_spoof: a server's incident ends after windowUs without a spoofed answer; the next is new", () => {
  const windowUs = DHCP_SPOOF_DEFAULTS.windowUs;
  const findings = runAll([
    ...mitm6(1, T0),
    ...mitm6(2, T0 + windowUs + 10 * SECOND_US),
  ]);
  assert.deepEqual(
    findings.map((
      f,
    ) => [f.timestampUs - T0, f.evidence.answers, f.startUs! - T0]),
    [
      [0, 1, 0],
      // The first incident (its second answer doubles it), then the second.
      [50_000, 2, 0],
      [windowUs + 10 * SECOND_US, 1, windowUs + 10 * SECOND_US],
      [windowUs + 10 * SECOND_US + 50_000, 2, windowUs + 10 * SECOND_US],
    ],
  );
});

Deno.test("dhcp_spoof: bounded: servers, and clients counted exactly up to 64", () => {
  const detector = createDhcpSpoofDetector({ maxServers: 4 });
  findingsOf(
    detector,
    Array.from({ length: 10 }, (_, i) =>
      answer(T0 + i, 1, ["fe80::1:1"], {
        server: `fe80::bad:${i + 1}`,
        serverMac: `02:00:00:00:0b:${(i + 1).toString(16).padStart(2, "0")}`,
      })),
  );
  assert.deepEqual(detector.tables().dhcp_spoof_servers, {
    size: 4,
    capacity: 4,
    evictions: 6,
  });
  const crowd = runAll(
    Array.from(
      { length: 100 },
      (_, i) => answer(T0 + i * 1_000, i + 1, ["fe80::1:1"]),
    ),
  );
  const last = crowd.at(-1)!;
  assert.deepEqual(
    [
      last.evidence.answers,
      last.evidence.clients,
      (last.evidence.clientSamples as string[]).length,
    ],
    [100, "64+", 8],
  );
  assert.throws(() => createDhcpSpoofDetector({ maxServers: 0 }), RangeError);
});

Deno.test("dhcp_spoof: a real server ending mitm6's leases (lifetime 0) is none; a link-local lease behind four others is found", () => {
  const server = "fe80::1";
  const serverMac = "00:0c:29:00:00:01";
  const ended = decodeFrame(
    udpFrame(
      {
        src: server,
        dst: client(1).ip,
        srcMac: serverMac,
        dstMac: client(1).mac,
      },
      { srcPort: 547, dstPort: 546 },
      dhcpv6Message({
        type: 7,
        transactionId: 1,
        leases: ["fe80::1:1"],
        validLifetimeS: 0,
      }),
    ),
    { timestampUs: T0 },
  ).packet;
  assert.deepEqual(runAll([ended]), []);
  const hidden = answer(T0, 1, [
    "fd00::1",
    "fd00::2",
    "fd00::3",
    "fd00::4",
    "fe80::1:1",
  ]);
  assert.deepEqual(
    runAll([hidden]).map((f) => f.evidence.leaseSamples),
    [["fe80::1:1", "fd00::1", "fd00::2", "fd00::3"]],
  );
  // The detector judges answers only, whatever the record says.
  const request = answer(T0, 2, ["fe80::1:2"]);
  request.dhcpMessageType = 3;
  assert.deepEqual(runAll([request]), []);
});

Deno.test("dhcp_spoof: an incident's final figures come when its window has passed, and when the full table evicts its server", () => {
  const windowUs = DHCP_SPOOF_DEFAULTS.windowUs;
  // Three answers within 10 s: reported at the first two (doubling), the
  // third only as the final figures, once the window has passed.
  const three = [
    answer(T0, 1, ["fe80::1:1"]),
    answer(T0 + 1_000, 1, ["fe80::1:1"], { type: 7 }),
    answer(T0 + 2_000, 2, ["fe80::1:2"]),
  ];
  const detector = createDhcpSpoofDetector();
  const findings = findingsOf(detector, [
    ...three,
    answer(T0 + windowUs + SECOND_US, 3, ["fe80::1:3"]),
  ]);
  assert.deepEqual(
    findings.map((f) => [f.timestampUs - T0, f.evidence.answers]),
    [[0, 1], [1_000, 2], [2_000, 3], [windowUs + SECOND_US, 1]],
  );
  // A full table of one: the second server evicts the first, whose final
  // figures come with the next packet.
  const small = createDhcpSpoofDetector({ maxServers: 1 });
  const other = { server: "fe80::bad:2", serverMac: "02:00:00:00:0b:02" };
  const evicted = findingsOf(small, [
    ...three,
    answer(T0 + 3_000, 4, ["fe80::1:4"], other),
    answer(T0 + 4_000, 5, ["fe80::1:5"], other),
  ]);
  assert.deepEqual(
    evicted.map((f) => [f.attacker, f.evidence.answers]),
    [
      [MITM6, 1],
      [MITM6, 2],
      ["fe80::bad:2", 1],
      [MITM6, 3],
      ["fe80::bad:2", 2],
    ],
  );
});
