import assert from "node:assert/strict";
import {
  dhcpv4Message,
  dhcpv6Message,
  duidOfMac,
  udpFrame,
} from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import {
  createRogueDhcpDetector,
  ROGUE_DHCP_DEFAULTS,
  type RogueDhcpOptions,
} from "./rogue_dhcp.ts";
import { findingsOf, SECOND_US, T0 } from "./test_packets.ts";

const GATEWAY = { ip: "192.168.1.1", mac: "24:5a:4c:6b:10:01" };
const ROGUE = { ip: "192.168.1.66", mac: "08:00:27:c3:5a:42" };
const PARTNER = { ip: "192.168.1.2", mac: "24:5a:4c:6b:10:02" };

/** What a server's answer gives; the gateway's network unless set. */
interface Answer {
  type?: number;
  server?: { ip: string; mac: string };
  /** The server identifier option; the server's address unless set ("" for none). */
  serverId?: string;
  lease?: string;
  mask?: string;
  routers?: string[];
  dnsServers?: string[];
  routes?: string[];
  vlanId?: number;
  ports?: { srcPort: number; dstPort: number };
}

/** A server's answer (offer unless `type` says) to client `n`, decoded from a real frame. */
function answer(atUs: number, n: number, options: Answer = {}): PacketRecord {
  const server = options.server ?? GATEWAY;
  const clientMac = `02:00:00:00:01:${n.toString(16).padStart(2, "0")}`;
  const serverId = options.serverId ?? server.ip;
  const packet = decodeFrame(
    udpFrame(
      {
        src: server.ip,
        dst: "255.255.255.255",
        srcMac: server.mac,
        dstMac: clientMac,
      },
      options.ports ?? { srcPort: 67, dstPort: 68 },
      dhcpv4Message({
        type: options.type ?? 2,
        transactionId: n,
        clientMac,
        yourAddress: options.lease ?? `192.168.1.${100 + n}`,
        ...(serverId === "" ? {} : { serverId }),
        ...(options.mask === "" ? {} : {
          subnetMask: options.mask ?? "255.255.255.0",
        }),
        routers: options.routers ?? [GATEWAY.ip],
        dnsServers: options.dnsServers ?? [GATEWAY.ip],
        ...(options.routes ? { routes: options.routes } : {}),
      }),
    ),
    { timestampUs: atUs },
  ).packet;
  if (options.vlanId !== undefined) packet.vlanId = options.vlanId;
  return packet;
}

/** The rogue's answer to client `n`: itself as router and DNS server, an address of its own subnet. */
function rogueAnswer(atUs: number, n: number, type = 2): PacketRecord {
  return answer(atUs, n, {
    type,
    server: ROGUE,
    lease: `10.66.0.${n}`,
    routers: [ROGUE.ip],
    dnsServers: [ROGUE.ip],
  });
}

function runAll(
  packets: PacketRecord[],
  options: RogueDhcpOptions = {},
): Finding[] {
  const detector = createRogueDhcpDetector(options);
  const findings = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)!.timestampUs, (f) => findings.push(f));
  return findings;
}

Deno.test("rogue_dhcp: a server beside the gateway that names itself router and DNS server is one incident, found at its first answer", () => {
  const packets = [
    answer(T0, 1, { type: 5 }),
    ...[2, 3, 4].flatMap((n) => [
      rogueAnswer(T0 + n * SECOND_US, n),
      answer(T0 + n * SECOND_US + 3_000, n),
      rogueAnswer(T0 + n * SECOND_US + 30_000, n, 5),
    ]),
  ];
  const findings = runAll(packets);
  const first = findings[0]!;
  assert.deepEqual(
    [
      first.kind,
      first.key,
      first.attacker,
      first.victim,
      first.timestampUs,
      first.severity,
    ],
    [
      "dhcp_spoof",
      `untagged ${ROGUE.mac}`,
      ROGUE.ip,
      "10.66.0.2",
      T0 + 2 * SECOND_US,
      "high",
    ],
  );
  assert.deepEqual(first.evidence.reasons, [
    "other_router",
    "other_dns",
    "other_subnet",
  ]);
  assert.equal(first.evidence.linkServer, GATEWAY.ip);
  assert.deepEqual(first.evidence.linkRouters, [GATEWAY.ip]);
  assert.match(first.summary, /beside the link's server 192\.168\.1\.1/);
  assert.ok(findings.every((f) => f.key === first.key));
  const last = findings.at(-1)!;
  assert.deepEqual(
    [last.evidence.answers, last.evidence.clients, last.evidence.leaseSamples],
    [6, "3", ["10.66.0.2", "10.66.0.3", "10.66.0.4"]],
  );
});

Deno.test("rogue_dhcp: each reason alone; a second server that gives what the gateway gives is a partner, not a rogue", () => {
  const gateway = answer(T0, 1);
  const reasonsOf = (options: Answer) =>
    runAll([gateway, answer(T0 + SECOND_US, 2, options)]).map((f) =>
      f.evidence.reasons
    );
  assert.deepEqual(reasonsOf({ server: ROGUE, routers: [ROGUE.ip] }), [[
    "other_router",
  ]]);
  assert.deepEqual(reasonsOf({ server: ROGUE, dnsServers: ["8.8.8.8"] }), [[
    "other_dns",
  ]]);
  assert.deepEqual(reasonsOf({ server: ROGUE, lease: "192.168.2.10" }), [[
    "other_subnet",
  ]]);
  // The failover partner: its own identifier and MAC, the same network.
  assert.deepEqual(reasonsOf({ server: PARTNER, lease: "192.168.1.200" }), []);
  // Fewer routers or DNS servers, and no mask: nothing new either.
  assert.deepEqual(
    reasonsOf({ server: PARTNER, routers: [], dnsServers: [], mask: "" }),
    [],
  );
  // A gateway that gives no mask: its subnet is taken as a /24.
  assert.deepEqual(
    runAll([
      answer(T0, 1, { mask: "" }),
      answer(T0 + 1, 2, { server: PARTNER, lease: "192.168.1.7" }),
      answer(T0 + 2, 3, { server: ROGUE, lease: "192.168.9.7" }),
    ]).map((f) => [f.attacker, f.evidence.reasons]),
    [[ROGUE.ip, ["other_subnet"]]],
  );
});

Deno.test("rogue_dhcp: the gateway's own answers never raise, whatever it gives; client messages and NAKs are not judged; answers to port 68 from any port are", () => {
  const packets = [
    answer(T0, 1),
    answer(T0 + 1, 2, { routers: ["10.0.0.1"], lease: "10.0.0.5" }),
    // The gateway under a second identifier (a second subnet it serves).
    answer(T0 + 2, 3, { serverId: "10.0.0.1", routers: ["10.0.0.1"] }),
    answer(T0 + 3, 4, { server: ROGUE, type: 6, routers: [ROGUE.ip] }),
    answer(T0 + 4, 5, { server: ROGUE, type: 1, routers: [ROGUE.ip] }),
    answer(T0 + 5, 6, {
      server: ROGUE,
      routers: [ROGUE.ip],
      ports: { srcPort: 68, dstPort: 67 },
    }),
  ];
  assert.deepEqual(runAll(packets), []);
  // Clients check only the destination port: from 1067 is judged.
  assert.deepEqual(
    runAll([
      answer(T0, 1),
      answer(T0 + 1, 2, {
        server: ROGUE,
        routers: [ROGUE.ip],
        ports: { srcPort: 1067, dstPort: 68 },
      }),
    ]).map((f) => f.attacker),
    [ROGUE.ip],
  );
  // A server named by its source address when it sends no identifier.
  const findings = runAll([
    answer(T0, 1),
    answer(T0 + 1, 2, { server: ROGUE, serverId: "", routers: [ROGUE.ip] }),
  ]);
  assert.deepEqual(findings.map((f) => f.evidence.serverIds), [[ROGUE.ip]]);
});

Deno.test("rogue_dhcp: TunnelVision's classless static routes through the rogue are other_routes; a new reason is reported at once", () => {
  const tunnelVision = [
    "0.0.0.0/1 via 192.168.1.66",
    "128.0.0.0/1 via 192.168.1.66",
  ];
  const findings = runAll([
    answer(T0, 1),
    // The same router and DNS server as the gateway, and the routes.
    answer(T0 + SECOND_US, 2, { server: ROGUE, routes: tunnelVision }),
    answer(T0 + SECOND_US + 1, 3, { server: ROGUE, routes: tunnelVision }),
    // Its third answer also names itself DNS server: reported there.
    answer(T0 + SECOND_US + 2, 4, {
      server: ROGUE,
      routes: tunnelVision,
      dnsServers: [ROGUE.ip],
    }),
  ], { reportIntervalUs: 3_600_000_000 });
  assert.deepEqual(
    findings.map((
      f,
    ) => [f.timestampUs - T0, f.evidence.answers, f.evidence.reasons]),
    [
      [SECOND_US, 1, ["other_routes"]],
      [SECOND_US + 1, 2, ["other_routes"]],
      [SECOND_US + 2, 3, ["other_routes", "other_dns"]],
    ],
  );
  assert.deepEqual(findings.at(-1)!.evidence.routes, tunnelVision);
});

Deno.test("rogue_dhcp: with knownServers, any other server that answers is rogue (unknown_server), even seen first or naming a known identifier, and the known one never is", () => {
  const packets = [
    answer(T0, 1, { server: PARTNER }),
    answer(T0 + 1, 2),
    answer(T0 + 2, 3, { server: ROGUE, routers: [ROGUE.ip] }),
  ];
  const byAddress = runAll(packets, { knownServers: [GATEWAY.ip] });
  assert.deepEqual(
    byAddress.map((f) => [f.attacker, f.evidence.reasons]),
    [
      // Seen before the known server: nothing to compare with yet.
      [PARTNER.ip, ["unknown_server"]],
      [ROGUE.ip, ["unknown_server", "other_router"]],
    ],
  );
  // By MAC, in capitals.
  const byMac = runAll(packets, {
    knownServers: [GATEWAY.mac.toUpperCase(), PARTNER.ip],
  });
  assert.deepEqual(byMac.map((f) => f.attacker), [ROGUE.ip]);
  // A rogue that writes the gateway's address as its server identifier.
  assert.deepEqual(
    runAll([
      answer(T0, 1),
      answer(T0 + 1, 2, {
        server: ROGUE,
        serverId: GATEWAY.ip,
        routers: [ROGUE.ip],
      }),
    ], { knownServers: [GATEWAY.ip] }).map((f) => [
      f.attacker,
      f.evidence.reasons,
    ]),
    [[ROGUE.ip, ["unknown_server", "other_router"]]],
  );
  assert.throws(
    () => createRogueDhcpDetector({ knownServers: ["gateway"] }),
    /knownServers holds "gateway"/,
  );
});

Deno.test("rogue_dhcp: a rogue seen before the gateway is taken for the link's server, and the gateway is reported (the documented limit)", () => {
  const findings = runAll([rogueAnswer(T0, 1), answer(T0 + 1, 2)]);
  assert.deepEqual(findings.map((f) => f.attacker), [GATEWAY.ip]);
});

Deno.test("rogue_dhcp: each VLAN has its own server; a server silent for serverMemoryUs gives way to one that gives what it gave, and a rogue is still judged against it", () => {
  const vlans = runAll([
    answer(T0, 1, { vlanId: 10 }),
    rogueAnswer(T0 + 1, 2),
    answer(T0 + 2, 3, { server: ROGUE, vlanId: 10, routers: [ROGUE.ip] }),
  ]);
  assert.deepEqual(
    vlans.map((f) => [f.key, f.evidence.link]),
    [[`vlan 10 ${ROGUE.mac}`, "vlan 10"]],
  );
  const memoryUs = ROGUE_DHCP_DEFAULTS.serverMemoryUs;
  // 25 h later a rogue answers, then the gateway again: the rogue is reported.
  assert.deepEqual(
    runAll([
      answer(T0, 1),
      rogueAnswer(T0 + memoryUs + 3_600 * SECOND_US, 2),
      answer(T0 + memoryUs + 3_601 * SECOND_US, 3),
    ]).map((f) => f.attacker),
    [ROGUE.ip],
  );
  // The partner takes the silent gateway's place: then what it gives is
  // the link's, and the gateway, back, gives the same.
  assert.deepEqual(
    runAll([
      answer(T0, 1),
      answer(T0 + memoryUs + 1, 2, { server: PARTNER, lease: "192.168.1.9" }),
      answer(T0 + memoryUs + 2, 3, {
        server: PARTNER,
        dnsServers: [GATEWAY.ip, "192.168.1.53"],
      }),
      answer(T0 + memoryUs + 3, 4, { dnsServers: ["192.168.1.53"] }),
    ]),
    [],
  );
});

Deno.test("rogue_dhcp: an incident ends after windowUs without a harmful answer; the next one starts afresh", () => {
  const windowUs = 600 * SECOND_US;
  const findings = runAll([
    answer(T0, 1),
    rogueAnswer(T0 + 1, 2),
    rogueAnswer(T0 + 2, 3),
    answer(T0 + windowUs, 4),
    rogueAnswer(T0 + 2 + windowUs + 1, 5),
  ], { windowUs });
  assert.deepEqual(
    findings.map((f) => [f.evidence.answers, f.startUs]),
    [[1, T0 + 1], [2, T0 + 1], [1, T0 + windowUs + 3]],
  );
});

Deno.test("rogue_dhcp: rogues beyond maxRogues evict the least recent, with its final figures; the tables say so", () => {
  const detector = createRogueDhcpDetector({ maxRogues: 2 });
  const packets = [answer(T0, 1)];
  for (let n = 2; n <= 5; n++) {
    const server = { ip: `192.168.1.${60 + n}`, mac: `08:00:27:00:00:0${n}` };
    // Three answers: the third (neither doubled nor 10 s later) is in no
    // finding until the incident's final figures.
    for (let i = 0; i < 3; i++) {
      packets.push(
        answer(T0 + n * 10 + i, n, { server, routers: [server.ip] }),
      );
    }
  }
  const findings = findingsOf(detector, packets);
  const finalsOf = (list: Finding[]) =>
    list.filter((f) => f.evidence.answers === 3).map((f) => f.attacker);
  // The two evicted ones, at the packet after their eviction.
  assert.deepEqual(finalsOf(findings), ["192.168.1.62", "192.168.1.63"]);
  const flushed: Finding[] = [];
  detector.flush!(T0 + 100, (f) => flushed.push(f));
  assert.deepEqual(finalsOf(flushed).sort(), ["192.168.1.64", "192.168.1.65"]);
  assert.deepEqual(detector.tables!().rogue_dhcp_servers, {
    size: 2,
    capacity: 2,
    evictions: 2,
  });
});

Deno.test("rogue_dhcp: a new MAC with every answer makes minFloodServers incidents, then one flood incident of the link", () => {
  const packets = [answer(T0, 1)];
  for (let n = 1; n <= 5_000; n++) {
    const hex = n.toString(16).padStart(4, "0");
    packets.push(answer(T0 + n * 1_000, n % 150, {
      server: {
        ip: ROGUE.ip,
        mac: `08:00:27:00:${hex.slice(0, 2)}:${hex.slice(2)}`,
      },
      routers: [ROGUE.ip],
    }));
  }
  const findings = runAll(packets);
  const keys = [...new Set(findings.map((f) => f.key))];
  assert.equal(keys.length, ROGUE_DHCP_DEFAULTS.minFloodServers + 1);
  assert.equal(keys.at(-1), "untagged flood");
  const flood = findings.filter((f) => f.key === "untagged flood");
  assert.deepEqual(
    [
      flood[0]!.attacker,
      flood[0]!.victim,
      flood.at(-1)!.evidence.servers,
      flood.at(-1)!.evidence.answers,
    ],
    ["", "", 5_000 - 8, 5_000 - 8],
  );
  assert.ok(flood.length < 20, `${flood.length} findings`);
});

Deno.test("createRogueDhcpDetector() rejects options that are not positive", () => {
  for (
    const name of [
      "serverMemoryUs",
      "windowUs",
      "floodWindowUs",
      "maxLinks",
      "maxRogues",
    ]
  ) {
    assert.throws(
      () => createRogueDhcpDetector({ [name]: 0 }),
      RangeError,
      name,
    );
  }
  for (const minFloodServers of [1, 1_001, 2.5]) {
    assert.throws(
      () => createRogueDhcpDetector({ minFloodServers }),
      /minFloodServers must be an integer from 2 to 1000/,
    );
  }
});

/** A DHCPv6 server's reply (or advertise) to client `n` from `server` (link-local address and MAC), leasing `leases`, naming `dnsServers`. */
function reply6(
  atUs: number,
  n: number,
  server: { ip: string; mac: string },
  leases: string[],
  dnsServers: string[],
  type = 7,
): PacketRecord {
  const clientMac = `02:00:00:00:06:${n.toString(16).padStart(2, "0")}`;
  return decodeFrame(
    udpFrame(
      {
        src: server.ip,
        dst: `fe80::6:${n.toString(16)}`,
        srcMac: server.mac,
        dstMac: clientMac,
      },
      { srcPort: 547, dstPort: 546 },
      dhcpv6Message({
        type,
        transactionId: n,
        clientDuid: duidOfMac(clientMac),
        serverDuid: duidOfMac(server.mac),
        leases,
        dnsServers,
      }),
    ),
    { timestampUs: atUs },
  ).packet;
}

const GATEWAY6 = { ip: "fe80::1", mac: GATEWAY.mac };
const ROGUE6 = { ip: "fe80::a00:27ff:fec3:5a42", mac: ROGUE.mac };

Deno.test("rogue_dhcp: a DHCPv6 server beside the link's that leases another /64 and names itself DNS server; mitm6's link-local leases are left to dhcp_spoof", () => {
  const findings = runAll([
    reply6(T0, 1, GATEWAY6, ["2001:db8:1::100"], ["2001:db8:1::53"]),
    // The same /64 and DNS server: a second server of the network.
    reply6(T0 + 1, 2, { ip: "fe80::2", mac: PARTNER.mac }, [
      "2001:db8:1::200",
    ], ["2001:db8:1::53"]),
    reply6(T0 + SECOND_US, 3, ROGUE6, ["2001:db8:bad::3"], [ROGUE6.ip], 2),
    reply6(T0 + SECOND_US + 1, 3, ROGUE6, ["2001:db8:bad::3"], [ROGUE6.ip]),
    // mitm6: not this detector's.
    reply6(T0 + 2 * SECOND_US, 4, { ip: "fe80::6", mac: "08:00:27:00:00:66" }, [
      "fe80::1:4",
    ], ["fe80::6"]),
  ]);
  assert.deepEqual(
    [...new Set(findings.map((f) => f.key))],
    [`untagged ${ROGUE6.mac}`],
  );
  const last = findings.at(-1)!;
  assert.deepEqual(
    [
      last.kind,
      last.attacker,
      last.victim,
      last.evidence.reasons,
      last.evidence.answers,
      last.evidence.linkServer,
    ],
    [
      "dhcp_spoof",
      ROGUE6.ip,
      "2001:db8:bad::3",
      ["other_dns", "other_subnet"],
      2,
      GATEWAY6.ip,
    ],
  );
  assert.match(last.summary, /answered 1 DHCPv6 client /);
  // The DHCPv4 and DHCPv6 servers of a link are judged apart: a DHCPv4
  // server first makes no DHCPv6 server a rogue.
  assert.deepEqual(
    runAll([
      answer(T0, 1),
      reply6(T0 + 1, 3, ROGUE6, ["2001:db8:bad::3"], [ROGUE6.ip]),
    ]),
    [],
  );
  // knownServers takes IPv6 addresses as written any way.
  assert.deepEqual(
    runAll([
      reply6(T0, 1, GATEWAY6, ["2001:db8:1::100"], ["2001:db8:1::53"]),
      reply6(T0 + 1, 3, ROGUE6, ["2001:db8:1::3"], ["2001:db8:1::53"]),
    ], { knownServers: ["FE80:0:0::1"] }).map((f) => f.evidence.reasons),
    [["unknown_server"]],
  );
});
