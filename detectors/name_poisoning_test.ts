import assert from "node:assert/strict";
import {
  dnsMessage,
  encodeDnsName,
  type MdnsRecord,
  mdnsResponse,
  nbnsMessage,
  udpFrame,
} from "../capture/frame_builder.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import {
  ANSWER_US,
  createNamePoisoningDetector,
  NAME_POISONING_DEFAULTS,
  type NamePoisoningOptions,
} from "./name_poisoning.ts";
import { findingsOf, SECOND_US, T0 } from "./test_packets.ts";

const POISONER = "10.0.0.66";
const POISONER_MAC = "00:0c:29:20:a8:7f";
const LLMNR_MAC = "01:00:5e:00:00:fc";
const LLMNR_MAC6 = "33:33:00:01:00:03";

/** The i-th workstation (10.0.0.100 on) and its MAC. */
function client(i: number): { ip: string; mac: string; ip6: string } {
  return {
    ip: `10.0.0.${100 + i}`,
    mac: `02:00:00:00:01:${(100 + i).toString(16)}`,
    ip6: `fd00::${100 + i}`,
  };
}

interface Exchange {
  /** The name asked for. */
  name: string;
  /** Which workstation asks (0 unless told). */
  client?: number;
  /** Packet time of the query, µs. */
  atUs: number;
  /** Who answers (the poisoner unless told), and after how long (1 ms unless told); no answer when null. */
  answerer?: string | null;
  answerAfterUs?: number;
  /** Over IPv6 (ff02::1:3), from the workstation's ULA address. */
  v6?: boolean;
  /** The answer's response code, and its id (the query's unless told). */
  rcode?: number;
  answerId?: number;
  /** Whether the query is seen (the capture may miss it). */
  querySeen?: boolean;
  /** NBT-NS instead of LLMNR: a broadcast name query (unless `broadcast` is false: a query to a WINS server, the answerer) from port 137. */
  nbns?: boolean;
  broadcast?: boolean;
  /** The answerer's MAC (the poisoner's unless told). */
  answererMac?: string;
  /** The querier's port (50000 and its number unless told: systemd-resolved asks from 5355), and the answer's source port (5355 unless told). */
  queryPort?: number;
  answerPort?: number;
  /** The query's type (A unless told). */
  qtype?: number;
  /** mDNS instead of LLMNR: a query to 224.0.0.251 (ff02::fb) from port 5353, answered to the group with an address record of the answerer's address (unless `answerAddress` says another). */
  mdns?: boolean;
  answerAddress?: string;
  /** mDNS: the answer's records in place of that one address record. */
  answerRecords?: MdnsRecord[];
}

/** mDNS's group MACs (IPv4, IPv6). */
const MDNS_MAC = "01:00:5e:00:00:fb";
const MDNS_MAC6 = "33:33:00:00:00:fb";

/** The frames of one mDNS query to the group and of its answer to the group (undefined: none), as Responder answers. */
function mdnsFrames(fields: Exchange): [Uint8Array, Uint8Array | undefined] {
  const who = client(fields.client ?? 0);
  const v6 = fields.v6 === true;
  const answerer = fields.answerer === undefined
    ? (v6 ? "fd00::66" : POISONER)
    : fields.answerer;
  const group = {
    dstMac: v6 ? MDNS_MAC6 : MDNS_MAC,
    dst: v6 ? "ff02::fb" : "224.0.0.251",
  };
  const ports = { srcPort: 5353, dstPort: 5353 };
  const query = udpFrame(
    { srcMac: who.mac, src: v6 ? who.ip6 : who.ip, ...group },
    ports,
    dnsMessage({
      id: 0,
      name: fields.name,
      qtype: fields.qtype ?? (v6 ? 28 : 1),
    }),
  );
  const answer = answerer === null ? undefined : udpFrame(
    { srcMac: fields.answererMac ?? POISONER_MAC, src: answerer, ...group },
    ports,
    mdnsResponse(
      fields.answerRecords ??
        [{ name: fields.name, address: fields.answerAddress ?? answerer }],
    ),
  );
  return [query, answer];
}

/** The frames of one NBT-NS name query and of its answer (undefined: none). */
function nbnsFrames(fields: Exchange): [Uint8Array, Uint8Array | undefined] {
  const who = client(fields.client ?? 0);
  const answerer = fields.answerer === undefined ? POISONER : fields.answerer;
  const id = 0x8000 + fields.name.length;
  const broadcast = fields.broadcast !== false;
  const query = udpFrame(
    {
      srcMac: who.mac,
      dstMac: broadcast ? "ff:ff:ff:ff:ff:ff" : POISONER_MAC,
      src: who.ip,
      dst: broadcast ? "10.0.0.255" : answerer ?? POISONER,
    },
    { srcPort: 137, dstPort: 137 },
    nbnsMessage({ id, name: fields.name.toUpperCase(), broadcast }),
  );
  const answer = answerer === null ? undefined : udpFrame(
    { srcMac: POISONER_MAC, dstMac: who.mac, src: answerer, dst: who.ip },
    { srcPort: 137, dstPort: 137 },
    nbnsMessage({
      id: fields.answerId ?? id,
      name: fields.name.toUpperCase(),
      response: true,
      rcode: fields.rcode ?? 0,
      address: answerer,
    }),
  );
  return [query, answer];
}

/** The frames of one LLMNR query and of its answer (undefined: none). */
function llmnrFrames(fields: Exchange): [Uint8Array, Uint8Array | undefined] {
  const who = client(fields.client ?? 0);
  const v6 = fields.v6 === true;
  const querier = v6 ? who.ip6 : who.ip;
  const answerer = fields.answerer === undefined
    ? (v6 ? "fd00::66" : POISONER)
    : fields.answerer;
  const port = fields.queryPort ?? 50_000 + (fields.client ?? 0);
  const id = 0x4000 + fields.name.length;
  const qtype = fields.qtype ?? 1;
  const query = udpFrame(
    {
      srcMac: who.mac,
      dstMac: v6 ? LLMNR_MAC6 : LLMNR_MAC,
      src: querier,
      dst: v6 ? "ff02::1:3" : "224.0.0.252",
    },
    { srcPort: port, dstPort: 5355 },
    dnsMessage({ id, name: fields.name, qtype }),
  );
  const answer = answerer === null ? undefined : udpFrame(
    {
      srcMac: fields.answererMac ?? POISONER_MAC,
      dstMac: who.mac,
      src: answerer,
      dst: querier,
    },
    { srcPort: fields.answerPort ?? 5355, dstPort: port },
    dnsMessage({
      id: fields.answerId ?? id,
      name: fields.name,
      qtype,
      response: true,
      rcode: fields.rcode ?? 0,
      answers: fields.rcode ? [] : [v6 ? "10.0.0.66" : answerer],
    }),
  );
  return [query, answer];
}

/** Decoded frames of one LLMNR (or NBT-NS) query and its answer, as the decoder reads them. */
function exchange(fields: Exchange): PacketRecord[] {
  const [query, answer] = fields.nbns === true
    ? nbnsFrames(fields)
    : fields.mdns === true
    ? mdnsFrames(fields)
    : llmnrFrames(fields);
  const packets: PacketRecord[] = [];
  if (fields.querySeen !== false) {
    packets.push(decodeFrame(query, { timestampUs: fields.atUs }).packet);
  }
  if (answer !== undefined) {
    const timestampUs = fields.atUs + (fields.answerAfterUs ?? 1_000);
    packets.push(decodeFrame(answer, { timestampUs }).packet);
  }
  return packets;
}

/** The exchanges of `names`, one every `stepUs` from T0, asked by workstations in turn (`clients` of them). */
function poisoning(
  names: readonly string[],
  stepUs = SECOND_US,
  clients = 1,
  extra: Partial<Exchange> = {},
): PacketRecord[] {
  return names.flatMap((name, i) =>
    exchange({ name, client: i % clients, atUs: T0 + i * stepUs, ...extra })
  );
}

function run(
  packets: PacketRecord[],
  options: NamePoisoningOptions = {},
): Finding[] {
  return findingsOf(createNamePoisoningDetector(options), packets);
}

Deno.test("name_poisoning: a host answering others' queries for 4 names is a poisoner; 3 are not", () => {
  const names = ["fileserv", "printsrv01", "sharepiont", "nas-old"];
  assert.deepEqual(run(poisoning(names.slice(0, 3))), []);
  const findings = run(poisoning(names));
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.kind, "name_poisoning");
  assert.equal(finding.attacker, POISONER);
  assert.equal(finding.victim, client(0).ip);
  assert.equal(finding.severity, "high");
  assert.equal(finding.evidence.distinctNames, 4);
  assert.deepEqual(finding.evidence.sampleNames, names);
  assert.equal(finding.evidence.wpad, false);
  assert.equal(finding.startUs, T0 + 1_000);
  assert.equal(finding.timestampUs, T0 + 3 * SECOND_US + 1_000);
  assert.equal(
    finding.summary,
    `${POISONER} answered LLMNR queries of ${
      client(0).ip
    } for 4 distinct names within 10 min ("fileserv", "printsrv01", "sharepiont", "nas-old"): name poisoning`,
  );
});

Deno.test("name_poisoning: one answer for WPAD is a finding at once", () => {
  const findings = run(poisoning(["wpad"]));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.wpad, true);
  assert.equal(findings[0]!.evidence.distinctNames, 1);
  assert.match(findings[0]!.summary, /for 1 name .*; WPAD among them\): /);
  // Its names then count as any others': the fourth is the next finding.
  const more = run(poisoning(["wpad", "a1", "a2", "a3"]));
  assert.deepEqual(more.map((f) => f.evidence.distinctNames), [1, 4]);
});

Deno.test("name_poisoning: many queriers are no single victim; over IPv6 too", () => {
  const findings = run(
    poisoning(["fileserv", "printsrv01", "sharepiont", "nas-old"], 500_000, 3),
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.victim, "");
  assert.deepEqual(findings[0]!.evidence.queriers, [
    client(0).ip,
    client(1).ip,
    client(2).ip,
  ]);
  assert.match(findings[0]!.summary, /queries of 3 hosts for 4 distinct/);
  const v6 = run(
    poisoning(
      ["fileserv", "printsrv01", "sharepiont", "nas-old"],
      SECOND_US,
      1,
      {
        v6: true,
      },
    ),
  );
  assert.equal(v6.length, 1);
  assert.equal(v6[0]!.attacker, "fd00::66");
  assert.equal(v6[0]!.victim, client(0).ip6);
});

Deno.test("name_poisoning: a host answering for its own name, however often, is no poisoner", () => {
  // Ten workstations ask for the NAS by its short name, each a few times.
  const packets = Array.from({ length: 40 }, (_, i) =>
    exchange({
      name: i % 2 === 0 ? "nas" : "NAS",
      client: i % 10,
      atUs: T0 + i * 2 * SECOND_US,
      answerer: "10.0.0.10",
    })).flat();
  assert.deepEqual(run(packets), []);
});

Deno.test("name_poisoning: answers that answer no query seen here count for nothing", () => {
  const names = ["fileserv", "printsrv01", "sharepiont", "nas-old", "wpad"];
  // The queries unseen (a capture that missed them).
  assert.deepEqual(
    run(poisoning(names, SECOND_US, 1, { querySeen: false })),
    [],
  );
  // Another id, or too late, or an error without answers.
  assert.deepEqual(run(poisoning(names, SECOND_US, 1, { answerId: 7 })), []);
  assert.deepEqual(
    run(poisoning(names, 10 * SECOND_US, 1, { answerAfterUs: ANSWER_US + 1 })),
    [],
  );
  assert.deepEqual(run(poisoning(names, SECOND_US, 1, { rcode: 3 })), []);
  // Nor a host answering its own query.
  assert.deepEqual(
    run(poisoning(names, SECOND_US, 1, { answerer: client(0).ip })),
    [],
  );
});

Deno.test("name_poisoning: names older than the window are forgotten; a poisoner goes on being reported, then at the end", () => {
  const windowUs = 60 * SECOND_US;
  // Three names, a quiet window and more, three more: never four at once.
  const spread = [
    ...poisoning(["a1", "a2", "a3"]),
    ...["b1", "b2", "b3"].flatMap((name, i) =>
      exchange({ name, atUs: T0 + 2 * windowUs + i * SECOND_US })
    ),
  ];
  assert.deepEqual(run(spread, { windowUs }), []);
  // 40 names a second apart: found at 4, again at 8, 16, 32 (doubling),
  // and the last figures at the end.
  const names = Array.from({ length: 40 }, (_, i) => `host${i}`);
  const detector = createNamePoisoningDetector();
  const findings = findingsOf(detector, poisoning(names));
  const last = poisoning(names).at(-1)!.timestampUs;
  detector.flush!(last, (finding) => findings.push(finding));
  assert.deepEqual(
    findings.map((f) => f.evidence.distinctNames),
    [4, 8, 16, 32, 40],
  );
  assert.equal(findings.at(-1)!.evidence.answers, 40);
});

Deno.test("name_poisoning: tables stay within their bounds under a flood of queries and answerers", () => {
  const detector = createNamePoisoningDetector({
    maxQueries: 64,
    maxResponders: 16,
  });
  for (let i = 0; i < 5_000; i++) {
    for (
      const packet of exchange({
        name: `n${i}`,
        client: i % 150,
        atUs: T0 + i * 1_000,
        answerer: `10.1.${i % 200}.1`,
      })
    ) detector.observe(packet, () => {});
  }
  const tables = detector.tables();
  assert.ok(tables.queries!.size <= 64);
  assert.ok(tables.responders!.size <= 16);
});

Deno.test("name_poisoning: invalid options are rejected", () => {
  assert.throws(() => createNamePoisoningDetector({ nameThreshold: 0 }));
  assert.throws(() => createNamePoisoningDetector({ windowUs: -1 }));
  assert.throws(() =>
    createNamePoisoningDetector({
      nameThreshold: 10,
      maxNamesPerResponder: 5,
    })
  );
  assert.equal(NAME_POISONING_DEFAULTS.nameThreshold, 4);
});

Deno.test("name_poisoning: NBT-NS answers to broadcast name queries count, with LLMNR's, per answering host", () => {
  const names = ["fileserv", "printsrv01", "sharepiont", "nas-old"];
  const findings = run(poisoning(names, SECOND_US, 1, { nbns: true }));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.attacker, POISONER);
  assert.equal(findings[0]!.victim, client(0).ip);
  assert.deepEqual(findings[0]!.evidence.protocols, ["nbt-ns"]);
  assert.match(findings[0]!.summary, /answered NBT-NS queries of /);
  // WPAD over NBT-NS alone.
  const wpad = run(poisoning(["wpad"], SECOND_US, 1, { nbns: true }));
  assert.equal(wpad.length, 1);
  assert.equal(wpad[0]!.evidence.wpad, true);
  // Two names each way: four names together.
  const both = run([
    ...poisoning(["a1", "a2"]),
    ...poisoning(["b1", "b2"], SECOND_US, 1, { nbns: true }).map((p) => {
      p.timestampUs += 10 * SECOND_US;
      return p;
    }),
  ]);
  assert.equal(both.length, 1);
  assert.deepEqual(both[0]!.evidence.protocols, ["llmnr", "nbt-ns"]);
  assert.match(both[0]!.summary, /answered LLMNR and NBT-NS queries of /);
});

Deno.test("name_poisoning: a WINS server answering unicast name queries for many names is no poisoner, nor are negative answers", () => {
  const names = ["fileserv", "printsrv01", "sharepiont", "nas-old", "wpad"];
  assert.deepEqual(
    run(poisoning(names, SECOND_US, 3, { nbns: true, broadcast: false })),
    [],
  );
  assert.deepEqual(
    run(poisoning(names, SECOND_US, 3, { nbns: true, rcode: 3 })),
    [],
  );
});

Deno.test("name_poisoning: reverse (PTR) lookups a host answers for its own addresses are no names (systemd-resolved)", () => {
  const reverse = [
    "1.a.6.6.e.4.e.f.f.f.7.2.0.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa",
    "2.a.6.6.e.4.e.f.f.f.7.2.0.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa",
    "66.0.0.10.in-addr.arpa",
    "67.0.0.10.in-addr.arpa",
  ];
  assert.deepEqual(run(poisoning(reverse, SECOND_US, 1, { qtype: 12 })), []);
  // AAAA and ANY queries count as A's do.
  assert.equal(
    run(poisoning(["a1", "a2", "a3", "a4"], SECOND_US, 1, { qtype: 28 }))
      .length,
    1,
  );
});

Deno.test("name_poisoning: a poisoner rotating its source address is one host, named by its MAC", () => {
  const names = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"];
  const packets = names.flatMap((name, i) =>
    exchange({
      name,
      atUs: T0 + i * SECOND_US,
      answerer: `10.0.0.${60 + (i % 4)}`,
    })
  );
  const findings = run(packets);
  assert.equal(findings.length, 2); // at 4 names, then 8
  const last = findings.at(-1)!;
  assert.equal(last.attacker, POISONER_MAC);
  assert.equal(last.key, POISONER_MAC);
  assert.deepEqual(last.evidence.sourceAddresses, [
    "10.0.0.60",
    "10.0.0.61",
    "10.0.0.62",
    "10.0.0.63",
  ]);
  assert.match(
    last.summary,
    /^00:0c:29:20:a8:7f \(from 10\.0\.0\.60, 10\.0\.0\.61, 10\.0\.0\.62, 10\.0\.0\.63\) answered LLMNR queries/,
  );
  // Another host's MAC answering from one address is its own host.
  const two = [
    ...poisoning(["a1", "a2"]),
    ...poisoning(["b1", "b2"], SECOND_US, 1, {
      answererMac: "02:00:00:00:00:99",
    }).map((p) => {
      p.timestampUs += 10 * SECOND_US;
      return p;
    }),
  ];
  assert.deepEqual(run(two), []);
});

Deno.test("name_poisoning: an answer from another port to a querier that asked from 5355 counts (systemd-resolved takes it)", () => {
  const findings = run(
    poisoning(["a1", "a2", "a3", "a4"], SECOND_US, 1, {
      queryPort: 5355,
      answerPort: 40_000,
    }),
  );
  assert.equal(findings.length, 1);
});

Deno.test("name_poisoning: WPAD with a domain is WPAD; a WPAD-only incident ends with its last figures", () => {
  const findings = run(poisoning(["wpad.corp.example"]));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.wpad, true);
  // 30 hosts asking for WPAD, each answered: one finding at once, and the
  // last figures at the end.
  const detector = createNamePoisoningDetector();
  const packets = Array.from(
    { length: 30 },
    (_, i) =>
      exchange({ name: "wpad", client: i, atUs: T0 + i * 10 * SECOND_US }),
  ).flat();
  const all = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)!.timestampUs, (f) => all.push(f));
  assert.deepEqual(all.map((f) => f.evidence.answers), [1, 30]);
  assert.equal(all.at(-1)!.victim, "");
  assert.equal((all.at(-1)!.evidence.queriers as string[]).length, 20);
});

Deno.test("name_poisoning: long names cost a few bytes each: samples are cut, names counted by hash up to the bound", () => {
  const names = Array.from(
    { length: 200 },
    (_, i) => `${i}-${"x".repeat(58)}.${"y".repeat(58)}.${"z".repeat(58)}`,
  );
  const detector = createNamePoisoningDetector();
  const packets = poisoning(names, 100_000);
  const findings = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)!.timestampUs, (f) => findings.push(f));
  const last = findings.at(-1)!;
  assert.equal(last.evidence.distinctNames, 64);
  const samples = last.evidence.sampleNames as string[];
  assert.equal(samples.length, 20);
  assert.ok(samples.every((name) => name.length <= 64));
});

Deno.test("name_poisoning: mDNS answers to the group for 4 names queried by others, each with the answerer's own address, make a poisoner; over IPv6 too", () => {
  const names = [
    "fileserv.local",
    "printer-2.local",
    "nas.local",
    "wiki.local",
  ];
  assert.deepEqual(
    run(poisoning(names.slice(0, 3), SECOND_US, 1, { mdns: true })),
    [],
  );
  for (const v6 of [false, true]) {
    const findings = run(poisoning(names, SECOND_US, 1, { mdns: true, v6 }));
    assert.equal(findings.length, 1, `v6 ${v6}`);
    const finding = findings[0]!;
    assert.equal(finding.attacker, v6 ? "fd00::66" : POISONER);
    assert.equal(finding.victim, v6 ? client(0).ip6 : client(0).ip);
    assert.deepEqual(finding.evidence.protocols, ["mdns"]);
    assert.deepEqual(finding.evidence.sampleNames, names);
    assert.match(
      finding.summary,
      /answered mDNS queries of .* for 4 distinct names/,
    );
  }
  // "wpad.local" at once.
  const wpad = run(poisoning(["wpad.local"], SECOND_US, 1, { mdns: true }));
  assert.equal(wpad.length, 1);
  assert.equal(wpad[0]!.evidence.wpad, true);
});

Deno.test("name_poisoning: an mDNS poisoner is the address it answers with, whatever MAC or source address its answers come from; its LLMNR answers are counted apart", () => {
  const names = ["a.local", "b.local", "c.local", "d.local"];
  // A new MAC and source address for each answer, the same answered address.
  const rotated = names.flatMap((name, i) =>
    exchange({
      name,
      atUs: T0 + i * SECOND_US,
      mdns: true,
      answerer: `10.0.0.${70 + i}`,
      answererMac: `02:00:00:00:07:${70 + i}`,
      answerAddress: POISONER,
    })
  );
  const findings = run(rotated);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.attacker, POISONER);
  assert.deepEqual(findings[0]!.evidence.sourceAddresses, [POISONER]);
  // Two names over LLMNR and two over mDNS: two hosts' worth, neither a poisoner.
  const mixed = [
    ...poisoning(["fileserv", "printsrv01"]),
    ...["nas.local", "wiki.local"].flatMap((name, i) =>
      exchange({ name, atUs: T0 + (10 + i) * SECOND_US, mdns: true })
    ),
  ];
  assert.deepEqual(run(mixed), []);
});

Deno.test("name_poisoning: mDNS answers that victims follow count however the records are laid out; a poisoner asking too is no victim", () => {
  const names = ["a.local", "b.local", "c.local", "d.local"];
  const layouts: ((name: string) => MdnsRecord[])[] = [
    // Its link-local AAAA first, as dual-stack responders write answers.
    (name) => [
      { name, address: "fe80::66" },
      { name, address: POISONER },
    ],
    // A decoy first.
    (name) => [
      { name: "decoy.local", address: "10.0.0.1" },
      { name, address: POISONER },
    ],
    // An alias of a name of its own.
    (name) => [
      { name, alias: "pz.local" },
      { name: "pz.local", address: POISONER },
    ],
  ];
  for (const [i, layout] of layouts.entries()) {
    const findings = run(names.flatMap((name, j) =>
      exchange({
        name,
        atUs: T0 + j * SECOND_US,
        mdns: true,
        answerer: "10.0.0.80",
        answerRecords: layout(name),
      })
    ));
    assert.ok(findings.length >= 1, `layout ${i}`);
    assert.ok(
      findings.some((finding) => finding.attacker === POISONER),
      `layout ${i}`,
    );
    assert.ok(
      findings.every((finding) => finding.attacker !== "10.0.0.1"),
      `layout ${i}: the decoy named no poisoner`,
    );
  }
  // The poisoner asks for each name too, right after the victim.
  const selfAsked = names.flatMap((name, i) => {
    const atUs = T0 + i * SECOND_US;
    return [
      ...exchange({ name, atUs, mdns: true, answerer: null }),
      ...exchange({
        name,
        atUs: atUs + 100,
        mdns: true,
        client: 5,
        answerAfterUs: 100,
      }).map((packet, j) => j === 0 ? poisonerAsks(packet) : packet),
    ];
  });
  const found = run(selfAsked);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.attacker, POISONER);
  assert.equal(found[0]!.victim, client(0).ip);
});

/** `query`, an mDNS query, as the poisoner's own. */
function poisonerAsks(query: PacketRecord): PacketRecord {
  query.srcAddress = POISONER;
  query.srcMac = POISONER_MAC;
  return query;
}

Deno.test("name_poisoning: an mDNS query's first question for an address counts, after a browse", () => {
  // mDNSResponder packs due questions into one query: a browse first.
  const names = ["a.local", "b.local", "c.local", "d.local"];
  const packets = names.flatMap((name, i) => {
    const [query, answer] = mdnsFrames({ name, atUs: 0, mdns: true });
    const packed = query.slice();
    // Put a PTR question for _airplay._tcp.local before the A question.
    const at = 14 + 20 + 8; // Ethernet, IPv4, UDP
    const ptr = [...encodeDnsName("_airplay._tcp.local"), 0, 12, 0, 1];
    const rebuilt = udpFrame(
      {
        srcMac: client(0).mac,
        dstMac: MDNS_MAC,
        src: client(0).ip,
        dst: "224.0.0.251",
      },
      { srcPort: 5353, dstPort: 5353 },
      new Uint8Array([
        0,
        0,
        0,
        0,
        0,
        2,
        0,
        0,
        0,
        0,
        0,
        0,
        ...ptr,
        ...packed.subarray(at + 12),
      ]),
    );
    const atUs = T0 + i * SECOND_US;
    return [
      decodeFrame(rebuilt, { timestampUs: atUs }).packet,
      decodeFrame(answer!, { timestampUs: atUs + 1_000 }).packet,
    ];
  });
  assert.equal(run(packets).length, 1);
});

Deno.test("name_poisoning: mDNS answers with another host's address (a reflector, a sleep proxy), for the answerer's own name, or to no query seen are no poisoning", () => {
  const names = [
    "a.local",
    "b.local",
    "c.local",
    "d.local",
    "e.local",
    "f.local",
  ];
  // An Avahi reflector (a router) repeats other hosts' answers from its
  // own address; a Bonjour sleep proxy answers for sleeping hosts: each
  // record gives the named host's address.
  const reflected = names.flatMap((name, i) =>
    exchange({
      name,
      atUs: T0 + i * SECOND_US,
      mdns: true,
      answerer: "10.0.0.1",
      answerAddress: `10.0.5.${i + 1}`,
    })
  );
  assert.deepEqual(run(reflected), []);
  // A printer answering every host's query for its own name.
  const own = Array.from({ length: 12 }, (_, i) =>
    exchange({
      name: "printer.local",
      client: i,
      atUs: T0 + i * SECOND_US,
      mdns: true,
      answerer: "10.0.0.9",
      answererMac: "02:00:00:00:00:09",
    })).flat();
  assert.deepEqual(run(own), []);
  // A host renamed after name conflicts ("innocent-2", "-3", "-4": Avahi's
  // spurious conflicts, or an attacker announcing its name), answering
  // for each of its names with its own address.
  const renamed = [
    "innocent.local",
    "innocent-2.local",
    "innocent-3.local",
    "innocent-4.local",
  ]
    .flatMap((name, i) =>
      exchange({
        name,
        atUs: T0 + i * SECOND_US,
        mdns: true,
        answerer: "10.0.0.2",
      })
    );
  assert.deepEqual(run(renamed), []);
  // Four hosts behind one MAC (a Wi-Fi extender that translates MACs), each
  // answering for its own name.
  const shared = names.slice(0, 4).flatMap((name, i) =>
    exchange({
      name,
      atUs: T0 + i * SECOND_US,
      mdns: true,
      answerer: `10.0.0.${30 + i}`,
      answererMac: "02:00:00:00:00:30",
    })
  );
  assert.deepEqual(run(shared), []);
  // Answers whose queries the capture missed, or came too late.
  assert.deepEqual(
    run(poisoning(names, SECOND_US, 1, { mdns: true, querySeen: false })),
    [],
  );
  assert.deepEqual(
    run(
      poisoning(names, SECOND_US, 1, {
        mdns: true,
        answerAfterUs: ANSWER_US + 1,
      }),
    ),
    [],
  );
  // The same answers with the answerer's own address are a poisoner's.
  assert.equal(
    run(
      names.flatMap((name, i) =>
        exchange({
          name,
          atUs: T0 + i * SECOND_US,
          mdns: true,
          answerer: "10.0.0.1",
        })
      ),
    ).length,
    1,
  );
});

Deno.test("name_poisoning: a flood of forged mDNS queries pushes out no LLMNR query, and its own table stays bounded", () => {
  const detector = createNamePoisoningDetector({ maxQueries: 64 });
  const findings: Finding[] = [];
  const names = ["fileserv", "printsrv01", "sharepiont", "nas-old"];
  for (const [i, name] of names.entries()) {
    const [query, answer] = exchange({ name, atUs: T0 + i * SECOND_US });
    findingsOf(detector, [query!]).forEach((f) => findings.push(f));
    // 200 forged mDNS queries of new names between the query and its answer.
    const flood = Array.from({ length: 200 }, (_, j) =>
      exchange({
        name: `forged${i}-${j}.local`,
        atUs: T0 + i * SECOND_US + 10 + j,
        mdns: true,
        answerer: null,
        client: 7,
      })[0]!);
    findingsOf(detector, flood).forEach((f) => findings.push(f));
    findingsOf(detector, [answer!]).forEach((f) => findings.push(f));
  }
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.attacker, POISONER);
  const tables = detector.tables();
  assert.ok(tables.mdns_queries!.size <= 64);
  assert.ok(tables.mdns_queries!.evictions > 0);
});
