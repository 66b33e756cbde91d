import assert from "node:assert/strict";
import { dhcpv4Message, udpFrame } from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import {
  createDhcpStarvationDetector,
  DHCP_STARVATION_DEFAULTS,
  type DhcpStarvationOptions,
} from "./dhcp_starvation.ts";
import { findingsOf, SECOND_US, T0 } from "./test_packets.ts";

const GATEWAY = { ip: "192.168.1.1", mac: "24:5a:4c:6b:10:01" };
const ATTACKER_MAC = "08:00:27:c3:5a:42";
const RELAY = { ip: "10.9.0.1", mac: "24:5a:4c:6b:20:01" };

/** Client hardware address number `n`. */
function mac(n: number): string {
  const hex = n.toString(16).padStart(6, "0");
  return `02:00:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4)}`;
}

/** How a request is sent (see {@linkcode ask}). */
interface Ask {
  type?: number;
  /** The frame's source MAC; the client's own unless set. */
  frameMac?: string;
  /** Relayed by {@linkcode RELAY} (from its address and port 67) naming this giaddr. */
  relay?: string;
  /** A giaddr in a client's own broadcast (forged). */
  giaddr?: string;
  /** The client's address (renewing). */
  clientAddress?: string;
  /** Client identifier bytes (option 61), with a fixed MAC. */
  clientId?: Uint8Array;
  hardwareType?: number;
  vlanId?: number;
  ports?: { srcPort: number; dstPort: number };
}

/** A request (a discover unless `type` says) of client `n`. */
function ask(atUs: number, n: number, options: Ask = {}): PacketRecord {
  const clientMac = options.clientId ? mac(1) : mac(n);
  const relay = options.relay;
  const packet = decodeFrame(
    udpFrame(
      {
        src: relay !== undefined
          ? RELAY.ip
          : options.clientAddress ?? "0.0.0.0",
        dst: relay === undefined ? "255.255.255.255" : GATEWAY.ip,
        srcMac: relay !== undefined ? RELAY.mac : options.frameMac ?? clientMac,
        dstMac: relay === undefined ? "ff:ff:ff:ff:ff:ff" : GATEWAY.mac,
      },
      options.ports ??
        { srcPort: relay === undefined ? 68 : 67, dstPort: 67 },
      dhcpv4Message({
        type: options.type ?? 1,
        transactionId: n,
        clientMac,
        ...(relay ?? options.giaddr
          ? { relayAddress: relay ?? options.giaddr }
          : {}),
        ...(options.clientAddress
          ? { clientAddress: options.clientAddress }
          : {}),
        ...(options.clientId ? { clientId: options.clientId } : {}),
        ...(options.hardwareType ? { hardwareType: options.hardwareType } : {}),
      }),
    ),
    { timestampUs: atUs },
  ).packet;
  if (options.vlanId !== undefined) packet.vlanId = options.vlanId;
  return packet;
}

/** The gateway's offer to client `n` (on `vlanId`). */
function offer(atUs: number, n: number, vlanId = 0): PacketRecord {
  const packet = decodeFrame(
    udpFrame(
      {
        src: GATEWAY.ip,
        dst: "255.255.255.255",
        srcMac: GATEWAY.mac,
        dstMac: mac(n),
      },
      { srcPort: 67, dstPort: 68 },
      dhcpv4Message({
        type: 2,
        transactionId: n,
        clientMac: mac(n),
        yourAddress: "192.168.1.100",
        serverId: GATEWAY.ip,
      }),
    ),
    { timestampUs: atUs },
  ).packet;
  packet.vlanId = vlanId;
  return packet;
}

/** `count` requests of new clients (from `first` on), `gapUs` apart from `startUs`. */
function burst(
  startUs: number,
  count: number,
  gapUs: number,
  options: Ask & { first?: number } = {},
): PacketRecord[] {
  const first = options.first ?? 1;
  return Array.from(
    { length: count },
    (_, i) =>
      ask(startUs + i * gapUs, first + i, {
        ...options,
        ...(options.clientId
          ? { clientId: new Uint8Array([1, 0, 0, (first + i) >> 8, first + i]) }
          : {}),
      }),
  );
}

function runAll(
  packets: PacketRecord[],
  options: DhcpStarvationOptions = {},
): Finding[] {
  const detector = createDhcpStarvationDetector(options);
  const findings = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)!.timestampUs, (f) => findings.push(f));
  return findings;
}

Deno.test("dhcp_starvation: 300 discovers from new MACs in 3 s (yersinia) are one incident, found at the 200th, against the server that answered; no one MAC to name", () => {
  const packets = [
    ask(T0, 0),
    offer(T0 + 1_000, 0),
    ...burst(T0 + SECOND_US, 300, 10_000),
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
      first.startUs,
      first.evidence.newClients,
    ],
    [
      "dhcp_starvation",
      "untagged",
      "",
      GATEWAY.ip,
      // The 200th new client in the window (the gateway's client first).
      T0 + SECOND_US + 198 * 10_000,
      T0,
      200,
    ],
  );
  assert.ok(findings.every((f) => f.key === first.key));
  const last = findings.at(-1)!;
  assert.deepEqual(
    [
      last.evidence.newClients,
      last.evidence.requests,
      last.evidence.foreignFrames,
    ],
    [301, 301, 0],
  );
  assert.match(
    last.summary,
    /^301 new DHCP clients asked .* \(server 192\.168\.1\.1\)/,
  );
});

Deno.test("dhcp_starvation: dhcpstarv's requests, all from its own MAC, name it, a real client's beside them too; each counts as foreign", () => {
  const packets = [
    ask(T0, 5_000),
    // A discover, then a request for the offered lease, for each client.
    ...burst(T0 + 1, 250, 10_000, { frameMac: ATTACKER_MAC }).flatMap((
      discover,
      i,
    ) => [
      discover,
      ask(discover.timestampUs + 1_000, i + 1, {
        frameMac: ATTACKER_MAC,
        type: 3,
      }),
    ]),
  ];
  const last = runAll(packets).at(-1)!;
  assert.deepEqual(
    [
      last.attacker,
      last.victim,
      last.evidence.requests,
      last.evidence.newClients,
      last.evidence.foreignFrames,
    ],
    // Requests are counted from the start (the 200th new client, the
    // 199th discover), besides one for each client before it: 200 + 103.
    [ATTACKER_MAC, "", 303, 251, 302],
  );
  // Half its requests from another MAC: no one to name.
  const mixed = runAll(
    burst(T0, 250, 10_000).map((packet, i) =>
      i % 2 === 0
        ? ask(packet.timestampUs, i + 1, { frameMac: ATTACKER_MAC })
        : packet
    ),
  );
  assert.ok(mixed.length > 0);
  assert.deepEqual(new Set(mixed.map((f) => f.attacker)), new Set([""]));
});

Deno.test("dhcp_starvation: a client is its client identifier, else its hardware address of any type", () => {
  // One MAC, a new client identifier each time.
  const byId = runAll(burst(T0, 250, 10_000, { clientId: new Uint8Array() }));
  assert.equal(byId.at(-1)!.evidence.newClients, 250);
  assert.match(String(byId[0]!.evidence.clientSamples), /^id:0100/);
  // Hardware type 6 (IEEE 802), new addresses.
  const byHardware = runAll(burst(T0, 250, 10_000, { hardwareType: 6 }));
  assert.equal(byHardware.at(-1)!.evidence.newClients, 250);
});

Deno.test("dhcp_starvation: fewer new clients than minClients in a window, the same clients asking again, renewals or a slow trickle raise nothing", () => {
  assert.deepEqual(runAll(burst(T0, 199, 10_000)), []);
  const again = Array.from(
    { length: 2_000 },
    (_, i) => ask(T0 + i * 1_000, i % 10, { type: i % 2 === 0 ? 1 : 3 }),
  );
  assert.deepEqual(runAll(again), []);
  // 1 000 clients renewing their leases at once (unicast, ciaddr set).
  assert.deepEqual(
    runAll(burst(T0, 1_000, 1_000, { type: 3, clientAddress: "192.168.1.7" })),
    [],
  );
  // 400 new clients, one every 0.31 s: 194 at most in any 60 s.
  assert.deepEqual(runAll(burst(T0, 400, 310_000)), []);
  // Server answers, and requests to other ports, count for nothing.
  assert.deepEqual(
    runAll([
      ...Array.from({ length: 300 }, (_, i) => offer(T0 + i, i)),
      ...burst(T0 + 300, 300, 1, { ports: { srcPort: 68, dstPort: 1067 } }),
    ]),
    [],
  );
});

Deno.test("dhcp_starvation: relayed requests count on the VLAN they arrive on, whatever relay they name; a relay's MAC is never the attacker", () => {
  const relayed = [
    ...burst(T0, 150, 10_000, { relay: RELAY.ip }),
    ...burst(T0 + 5_000, 150, 10_000, { first: 1_000, relay: "10.9.1.1" }),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  const findings = runAll(relayed);
  assert.deepEqual(
    [...new Set(findings.map((f) => [f.key, f.attacker].join(" ")))],
    ["untagged "],
  );
  assert.equal(findings.at(-1)!.evidence.newClients, 300);
  // A client's own broadcasts that name a new relay agent each.
  const forged = runAll(
    burst(T0, 250, 10_000).map((packet, i) =>
      ask(packet.timestampUs, i + 1, { giaddr: `10.${i >> 8}.${i & 255}.1` })
    ),
  );
  assert.equal(forged.at(-1)!.evidence.newClients, 250);
  // VLANs apart: 150 on each of two is nothing.
  assert.deepEqual(
    runAll([
      ...burst(T0, 150, 10_000, { vlanId: 10 }),
      ...burst(T0 + 1, 150, 10_000, { first: 1_000, vlanId: 20 }),
    ].sort((a, b) => a.timestampUs - b.timestampUs)),
    [],
  );
});

Deno.test("dhcp_starvation: it ends after a sixth of a window without a new client, found at the next DHCP packet of any link; the next burst is the same key's next incident", () => {
  const quietUs = DHCP_STARVATION_DEFAULTS.windowUs / 6;
  const detector = createDhcpStarvationDetector();
  const findings = findingsOf(detector, [
    ...burst(T0, 300, 1_000),
    // A DHCP packet on another VLAN after the quiet time: the final figures.
    ask(T0 + 300 * 1_000 + quietUs + 1, 9_999, { vlanId: 7 }),
  ]);
  const last = findings.at(-1)!;
  assert.deepEqual(
    [last.evidence.newClients, last.timestampUs],
    [300, T0 + 299 * 1_000],
  );
  const secondStartUs = T0 + 300 * 1_000 + quietUs + 2;
  const both = runAll([
    ...burst(T0, 250, 1_000),
    ...burst(secondStartUs, 250, 1_000, { first: 10_000 }),
  ]);
  const starts = [...new Set(both.map((f) => f.startUs))];
  assert.equal(starts.length, 2);
  assert.deepEqual(new Set(both.map((f) => f.key)), new Set(["untagged"]));
  assert.deepEqual(
    starts.map((startUs) =>
      both.filter((f) => f.startUs === startUs).at(-1)!.evidence.newClients
    ),
    [250, 250],
  );
});

Deno.test("dhcp_starvation: links beyond maxLinks evict the least recent, with its final figures", () => {
  const detector = createDhcpStarvationDetector({ maxLinks: 1, minClients: 8 });
  const packets = [
    ...burst(T0, 10, 1_000, { vlanId: 10 }),
    ask(T0 + 20_000, 99, { vlanId: 20 }),
    ask(T0 + 30_000, 98, { vlanId: 20 }),
  ];
  const findings = findingsOf(detector, packets);
  assert.deepEqual(
    findings.map((f) => [f.evidence.link, f.evidence.newClients]),
    [
      ["vlan 10", 8],
      // Its final figures, at the packet after the eviction.
      ["vlan 10", 10],
    ],
  );
  assert.deepEqual(detector.tables!().dhcp_starvation_links, {
    size: 1,
    capacity: 1,
    evictions: 1,
  });
});

Deno.test("createDhcpStarvationDetector() rejects options that are not positive, and minClients outside 8 to 10 000", () => {
  for (const name of ["windowUs", "maxLinks", "reportIntervalUs"]) {
    assert.throws(
      () => createDhcpStarvationDetector({ [name]: 0 }),
      RangeError,
      name,
    );
  }
  for (const minClients of [7, 10_001, 20.5]) {
    assert.throws(
      () => createDhcpStarvationDetector({ minClients }),
      /minClients must be an integer from 8 to 10000/,
    );
  }
});
