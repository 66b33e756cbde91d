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
const RELAY = "10.9.0.1";

/** Client hardware address number `n`. */
function mac(n: number): string {
  const hex = n.toString(16).padStart(6, "0");
  return `02:00:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4)}`;
}

/** A client's discover (or `type`) for address `n`, from its own MAC unless `frameMac` is set; relayed when `relay` is. */
function ask(
  atUs: number,
  n: number,
  options: { type?: number; frameMac?: string; relay?: string } = {},
): PacketRecord {
  const clientMac = mac(n);
  const relay = options.relay;
  return decodeFrame(
    udpFrame(
      {
        src: relay ?? "0.0.0.0",
        dst: relay === undefined ? "255.255.255.255" : GATEWAY.ip,
        srcMac: options.frameMac ?? clientMac,
        dstMac: relay === undefined ? "ff:ff:ff:ff:ff:ff" : GATEWAY.mac,
      },
      { srcPort: relay === undefined ? 68 : 67, dstPort: 67 },
      dhcpv4Message({
        type: options.type ?? 1,
        transactionId: n,
        clientMac,
        ...(relay === undefined ? {} : { relayAddress: relay }),
      }),
    ),
    { timestampUs: atUs },
  ).packet;
}

/** The gateway's offer to address `n`. */
function offer(atUs: number, n: number): PacketRecord {
  return decodeFrame(
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
      }),
    ),
    { timestampUs: atUs },
  ).packet;
}

/** `count` discovers from new addresses (from `first` on), `gapUs` apart from `startUs`. */
function burst(
  startUs: number,
  count: number,
  gapUs: number,
  options: { first?: number; frameMac?: string; relay?: string } = {},
): PacketRecord[] {
  const first = options.first ?? 1;
  return Array.from(
    { length: count },
    (_, i) => ask(startUs + i * gapUs, first + i, options),
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

Deno.test("dhcp_starvation: 300 new addresses in 3 s (dhcpstarv) is one incident, found at the 200th, against the server that answered", () => {
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
      first.attacker,
      first.victim,
      first.timestampUs,
      first.startUs,
      first.evidence.newClients,
      first.evidence.link,
    ],
    [
      "dhcp_starvation",
      "",
      GATEWAY.ip,
      // The 200th new address in the window (the gateway's client first).
      T0 + SECOND_US + 198 * 10_000,
      T0,
      200,
      "untagged",
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
    /^301 new client addresses asked .* \(server 192\.168\.1\.1\)/,
  );
});

Deno.test("dhcp_starvation: every frame from one MAC names it the attacker, and counts the frames for other addresses", () => {
  const findings = runAll(
    burst(T0, 250, 10_000, { frameMac: ATTACKER_MAC }),
  );
  const last = findings.at(-1)!;
  assert.deepEqual(
    [
      last.attacker,
      last.victim,
      last.evidence.foreignFrames,
      last.evidence.frameMac,
    ],
    [ATTACKER_MAC, "", 51, ATTACKER_MAC],
  );
  // One frame from another MAC within the window: no single attacker.
  const mixed = runAll([
    ask(T0, 5000),
    ...burst(T0 + 1, 250, 10_000, { frameMac: ATTACKER_MAC }),
  ]);
  assert.deepEqual(mixed.map((f) => f.attacker), mixed.map(() => ""));
  assert.ok(mixed.length > 0);
});

Deno.test("dhcp_starvation: fewer new addresses than minClients in a window, the same clients asking again, or a slow trickle raise nothing", () => {
  assert.deepEqual(runAll(burst(T0, 199, 10_000)), []);
  const again = Array.from(
    { length: 2_000 },
    (_, i) => ask(T0 + i * 1_000, i % 10, { type: i % 2 === 0 ? 1 : 3 }),
  );
  assert.deepEqual(runAll(again), []);
  // 400 new addresses, one every 0.31 s: 194 at most in any 60 s.
  assert.deepEqual(runAll(burst(T0, 400, 310_000)), []);
});

Deno.test("dhcp_starvation: relayed requests count per relay agent; server answers and other ports are not counted", () => {
  const two = [
    ...burst(T0, 150, 10_000, { relay: RELAY }),
    ...burst(T0, 150, 10_000, { first: 1_000, relay: "10.9.1.1" }),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(runAll(two), []);
  const findings = runAll(burst(T0, 250, 10_000, { relay: RELAY }));
  assert.deepEqual(
    [...new Set(findings.map((f) => f.evidence.link))],
    [`relay ${RELAY}`],
  );
  // The relay forwards for others: its frames count as foreign to none.
  assert.equal(findings.at(-1)!.evidence.foreignFrames, 0);
  const offers = Array.from({ length: 300 }, (_, i) => offer(T0 + i, i));
  assert.deepEqual(runAll(offers), []);
});

Deno.test("dhcp_starvation: it ends after a sixth of a window without a new address; the next burst is a new incident", () => {
  const quietUs = DHCP_STARVATION_DEFAULTS.windowUs / 6;
  const first = burst(T0, 250, 1_000);
  const secondStartUs = T0 + 250 * 1_000 + quietUs + 1;
  const findings = runAll([
    ...first,
    ...burst(secondStartUs, 250, 1_000, { first: 10_000 }),
  ]);
  const incidents = [...new Set(findings.map((f) => f.key))];
  assert.equal(incidents.length, 2);
  const finals = incidents.map((key) =>
    findings.filter((f) => f.key === key).at(-1)!.evidence.newClients
  );
  assert.deepEqual(finals, [250, 250]);
  // Below a quarter of minClients new addresses within a window: over too.
  const slow = runAll(
    [...first, ...burst(T0 + 300_000, 40, 2 * SECOND_US, { first: 20_000 })],
  );
  const keys = [...new Set(slow.map((f) => f.key))];
  assert.equal(keys.length, 1);
  assert.ok((slow.at(-1)!.evidence.newClients as number) < 290);
});

Deno.test("dhcp_starvation: links beyond maxLinks evict the least recent, with its final figures", () => {
  const detector = createDhcpStarvationDetector({ maxLinks: 1, minClients: 8 });
  const packets = [
    ...burst(T0, 10, 1_000, { relay: RELAY }),
    ask(T0 + 20_000, 99, { relay: "10.9.1.1" }),
    ask(T0 + 30_000, 98, { relay: "10.9.1.1" }),
  ];
  const findings = findingsOf(detector, packets);
  assert.deepEqual(
    findings.map((f) => [f.evidence.link, f.evidence.newClients]),
    [
      [`relay ${RELAY}`, 8],
      // Its final figures, at the packet after the eviction.
      [`relay ${RELAY}`, 10],
    ],
  );
  assert.deepEqual(detector.tables!().dhcp_starvation_links, {
    size: 1,
    capacity: 1,
    evictions: 1,
  });
});

Deno.test("createDhcpStarvationDetector() rejects options that are not positive, and minClients outside 8 to 100 000", () => {
  for (const name of ["windowUs", "maxLinks", "reportIntervalUs"]) {
    assert.throws(
      () => createDhcpStarvationDetector({ [name]: 0 }),
      RangeError,
      name,
    );
  }
  for (const minClients of [7, 100_001, 20.5]) {
    assert.throws(
      () => createDhcpStarvationDetector({ minClients }),
      /minClients must be an integer from 8 to 100000/,
    );
  }
});
