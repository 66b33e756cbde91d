import assert from "node:assert/strict";
import type { PacketRecord } from "../capture/packet_record.ts";
import { udpFrame } from "../capture/frame_builder.ts";
import {
  concat,
  decodeFrame,
  hex,
  MACS,
  xorshift32,
} from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import {
  createDnsTunnelDetector,
  DNS_TUNNEL_DEFAULTS,
  type DnsTunnelOptions,
  startsWithAddress,
} from "./dns_tunnel.ts";
import {
  findingsOf,
  SECOND_US,
  T0,
  tableAfterNewcomer,
  times,
  udpPacket,
  withAddressKeys,
} from "./test_packets.ts";

const NULL = 10;
const TXT = 16;
const CNAME = 5;
const MX = 15;
const A = 1;
const PTR = 12;

interface QueryFields {
  name: string;
  atUs: number;
  qtype?: number;
  src?: string;
  dst?: string;
  dstPort?: number;
  response?: boolean;
}

/** A DNS query (or response) packet. */
function dnsQuery(fields: QueryFields): PacketRecord {
  const src = fields.src ?? "192.168.1.17";
  const dst = fields.dst ?? "192.168.1.210";
  const response = fields.response ?? false;
  return {
    ...udpPacket({
      atUs: fields.atUs,
      src: response ? dst : src,
      dst: response ? src : dst,
      srcPort: response ? (fields.dstPort ?? 53) : 40000,
      dstPort: response ? 40000 : (fields.dstPort ?? 53),
    }),
    ipLength: 28 + 18 + fields.name.length,
    payloadLength: 18 + fields.name.length,
    app: "dns",
    dnsId: 0x1234,
    dnsResponse: response,
    dnsOpcode: 0,
    dnsRcode: response ? 0 : -1,
    dnsQname: fields.name,
    dnsQtype: fields.qtype ?? A,
    dnsQuestionCount: 1,
  };
}

/** Deterministic pseudo-random text over `alphabet` (xorshift32; no Math.random in detectors/). */
function randomText(seed: number, length: number, alphabet: string): string {
  const next = xorshift32((seed * 2654435761 + 0x9e3779b9) >>> 0);
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
  return text;
}

const HEX = "0123456789abcdef";
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function run(
  packets: PacketRecord[],
  options: DnsTunnelOptions = {},
): Finding[] {
  return findingsOf(createDnsTunnelDetector(options), packets);
}

/** dnscat2-style queries: an 18-hex-character label, rotating TXT/CNAME/MX. */
function dnscat2Queries(
  count: number,
  intervalUs: number,
  startUs = 0,
): PacketRecord[] {
  const types = [TXT, CNAME, MX];
  return Array.from({ length: count }, (_, i) =>
    dnsQuery({
      name: `${randomText(i, 18, HEX)}.skullseclabs.org`,
      qtype: types[i % 3]!,
      atUs: startUs + i * intervalUs,
    }));
}

Deno.test("dns_tunnel: dnscat2-style queries are found at the 8th unique subdomain", () => {
  const findings = run(dnscat2Queries(8, 1_000_000));
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.kind, "dns_tunnel");
  assert.equal(finding.timestampUs, 7_000_000);
  assert.equal(finding.attacker, "192.168.1.17");
  assert.equal(finding.victim, "192.168.1.210");
  assert.equal(finding.domain, "skullseclabs.org");
  assert.equal(finding.key, "192.168.1.17|skullseclabs.org");
  assert.equal(finding.evidence.uniqueSubdomains, 8);
  assert.equal(finding.evidence.queries, 8);
  assert.equal(finding.evidence.maxLabelLength, 18);
  assert.equal(finding.evidence.technique, "T1071.004");
  assert.deepEqual(finding.evidence.qtypes, ["CNAME=3", "TXT=3", "MX=2"]);
});

Deno.test("dns_tunnel: label lengths count a \\DDD escape as the one byte it stands for (iodine's raw 8-bit labels)", () => {
  // Decoded from real bytes: a 30-byte label of bytes 0x80 and up, then
  // "t", "test". The decoder writes each such byte as 4 characters.
  const queries = Array.from({ length: 8 }, (_, i) => {
    const label = Uint8Array.from(
      { length: 30 },
      (_, j) => 0x80 + ((i + j) & 0x7f),
    );
    const name = concat(
      new Uint8Array([30]),
      label,
      hex("0174"),
      hex("0474657374"),
      new Uint8Array([0]),
    );
    const message = concat(
      hex("12340100000100000000 0000".replaceAll(" ", "")),
      name,
      hex("000a0001"),
    );
    const { packet } = decodeFrame(
      udpFrame({ ...MACS, src: "192.168.1.17", dst: "192.168.1.210" }, {
        srcPort: 40000,
        dstPort: 53,
      }, message),
    );
    packet.timestampUs = T0 + i * 1_000;
    return packet;
  });
  assert.equal(queries[0]!.dnsQname.length, 30 * 4 + "t.test".length + 1);
  const findings = run(queries);
  assert.equal(findings.length, 1);
  const evidence = findings[0]!.evidence;
  assert.equal(evidence.maxLabelLength, 30);
  assert.equal(evidence.meanLabelLength, 30);
  // The subdomain is the 30-byte label alone ("t.test" is the domain).
  assert.equal(evidence.meanSubdomainLength, 30);
  // The names' bytes as on the wire too: "<30 bytes>.t.test", 37 each.
  assert.equal(evidence.nameBytes, 8 * 37);
  assert.match(findings[0]!.summary, /longest label 30,/);
});

Deno.test("dns_tunnel: DNSBL lookups of IPv6 and IPv4 senders (RFC 5782) are address lookups, not tunnelling", () => {
  // A mail server checking 20 IPv6 senders: 32 nibbles under the zone.
  const nibbles = (i: number) =>
    randomText(i, 32, HEX).split("").join(".") + ".zen.spamhaus.org";
  const v6 = times(20, (i) => dnsQuery({ name: nibbles(i), atUs: i * 1_000 }));
  assert.deepEqual(run(v6), []);
  const v4 = times(
    20,
    (i) =>
      dnsQuery({
        name: `${i + 100}.${i}.168.192.zen.spamhaus.org`,
        atUs: i * 1_000,
      }),
  );
  assert.deepEqual(run(v4), []);
  // A tunnel's data behind an address is no list lookup.
  const hidden = Array.from(
    { length: 8 },
    (_, i) =>
      dnsQuery({
        name: `1.2.3.4.${randomText(i, 56, BASE32)}.tunnel.example`,
        qtype: NULL,
        atUs: i * 1_000,
      }),
  );
  assert.equal(run(hidden).length, 1);
  assert.equal(startsWithAddress(nibbles(1)), true);
  assert.equal(startsWithAddress("2.0.0.127.zen.spamhaus.org"), true);
  for (
    const name of [
      "2.0.0.127", // the address alone, no zone
      "1234.0.0.127.zen.example",
      "a.b.c.d.example.com",
      "mfrggzdfmztwq2lk.0.1.2.tunnel.example",
      "1.2.3.example.com",
    ]
  ) {
    assert.equal(startsWithAddress(name), false, name);
  }
});

Deno.test("dns_tunnel: 8-bit bytes in names weigh as NULL does, whatever the record type (iodine -T A with raw labels)", () => {
  // Data queries with two labels of 50 raw bytes (as the decoder escapes
  // them) between short polls: A records throughout.
  const escaped = (i: number) =>
    Array.from(
      { length: 50 },
      (_, j) => `\\${String(128 + ((i * 7 + j) % 120)).padStart(3, "0")}`,
    ).join("");
  const queries = times(14, (i) =>
    dnsQuery({
      name: i % 2 === 0
        ? `0${escaped(i)}.${escaped(i + 1)}.t.example`
        : `p${randomText(i, 7, BASE32)}.t.example`,
      atUs: i * 1_000,
    }));
  const findings = run(queries);
  assert.equal(findings.length, 1);
  assert.deepEqual(findings[0]!.evidence.qtypes, ["A=8"]);
  // Printable punctuation is no such byte: the same names with "\\032"
  // (a space) are not.
  const spaced = queries.map((query) => ({
    ...query,
    dnsQname: query.dnsQname.replace(/\\\d{3}/g, "\\032"),
  }));
  assert.deepEqual(run(spaced), []);
});

Deno.test("dns_tunnel: SRV lookups of services are ordinary, SRV queries with data labels weigh as TXT", () => {
  const services = times(20, (i) =>
    dnsQuery({
      name: `_ldap._tcp.site${i}._sites.dc._msdcs.corp.example.com`,
      qtype: 33,
      atUs: i * 1_000,
    }));
  assert.deepEqual(run(services), []);
  const data = times(12, (i) =>
    dnsQuery({
      name: `${randomText(i, 40, BASE32)}.t.example`,
      qtype: 33,
      atUs: i * 1_000,
    }));
  const findings = run(data);
  assert.equal(findings.length, 1);
  // ½ for SRV, ½ for encoded, ½ × (40 − 20) / 30 for length.
  assert.equal(findings[0]!.evidence.score, 1.33);
});

Deno.test("dns_tunnel: one below the unique-subdomain threshold is not reported", () => {
  assert.deepEqual(run(dnscat2Queries(7, 1_000_000)), []);
  assert.equal(
    run(dnscat2Queries(12, 1_000_000), { minUniqueSubdomains: 13 }).length,
    0,
  );
});

Deno.test("dns_tunnel: score threshold edge (A records, 35-char hex labels score exactly 0.75)", () => {
  // encoded ½ + length ½ × (35 − 20) / 30 = 0.75, no record-type share.
  const queries = Array.from(
    { length: 10 },
    (_, i) =>
      dnsQuery({
        name: `${randomText(i, 35, HEX)}.example.net`,
        atUs: i * 1000,
      }),
  );
  assert.equal(run(queries, { scoreThreshold: 0.76 }).length, 0);
  const findings = run(queries, { scoreThreshold: 0.75 });
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.score, 0.75);
});

Deno.test("dns_tunnel: base32 exfiltration in A queries with 52-character labels is found with the defaults; 40-character ones are not", () => {
  // A live audit's case: 100 random base32 labels under one domain in 2 s.
  const queries = (length: number) =>
    Array.from({ length: 100 }, (_, i) =>
      dnsQuery({
        name: `${randomText(i, length, BASE32)}.exfil.example.org`,
        qtype: A,
        atUs: i * 20_000,
      }));
  const found = run(queries(52));
  assert.ok(found.length >= 1);
  // 0.5 + 0.5 + 0.5 × (58 − 50) / 30: the subdomain "<52>.exfil" is 58 long.
  assert.equal(found[0]!.evidence.score, 1.13);
  // 0.5 + 0.5 × 20 / 30 ≈ 0.83: below the threshold, as documented.
  assert.deepEqual(run(queries(40)), []);
});

Deno.test("dns_tunnel: a slow tunnel (1 query per 10 s) is found by name shape alone", () => {
  const queries = Array.from({ length: 8 }, (_, i) =>
    dnsQuery({
      name: `${randomText(i, 52, BASE32)}.${
        randomText(i + 100, 30, BASE32)
      }.tun.example.fr`,
      qtype: A,
      atUs: i * 10_000_000,
    }));
  const findings = run(queries);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.timestampUs, 70_000_000);
  assert.equal(findings[0]!.domain, "example.fr");
  assert.ok((findings[0]!.evidence.queriesPerMinute as number) < 10);
});

Deno.test("dns_tunnel: iodine-style NULL queries with short labels are found", () => {
  const queries = Array.from({ length: 12 }, (_, i) =>
    dnsQuery({
      name: `${randomText(i, 6, BASE32)}.t1.biillpi.com`,
      qtype: NULL,
      atUs: i * 3000,
    }));
  const findings = run(queries);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.domain, "biillpi.com");
  assert.equal(findings[0]!.timestampUs, 7 * 3000);
  assert.deepEqual(findings[0]!.evidence.qtypes, ["NULL=8"]);
});

Deno.test("dns_tunnel: private-use record types count like NULL", () => {
  const queries = Array.from(
    { length: 8 },
    (_, i) => dnsQuery({ name: `p${i}.x.example.com`, qtype: 65399, atUs: i }),
  );
  const findings = run(queries);
  assert.equal(findings.length, 1);
  assert.deepEqual(findings[0]!.evidence.qtypes, ["TYPE65399=8"]);
});

Deno.test("dns_tunnel: direct mode without a domain is grouped per client under domain ''", () => {
  const queries = Array.from({ length: 10 }, (_, i) =>
    dnsQuery({
      name: `dnscat.${randomText(i, 40, HEX)}.${randomText(i + 7, 20, HEX)}`,
      qtype: [TXT, CNAME, MX][i % 3]!,
      src: "192.168.220.56",
      dst: "192.168.203.167",
      atUs: i * 400_000,
    }));
  const findings = run(queries);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.domain, "");
  assert.equal(findings[0]!.key, "192.168.220.56|");
  assert.equal(findings[0]!.victim, "192.168.203.167");
});

Deno.test("dns_tunnel: evidence samples are bounded and cut to 100 characters", () => {
  const queries = Array.from({ length: 40 }, (_, i) =>
    dnsQuery({
      name: `${randomText(i, 63, BASE32)}.${
        randomText(i + 1, 63, BASE32)
      }.base64.hsc.fr`,
      qtype: TXT,
      atUs: i * 1000,
    }));
  for (const maxSampleNames of [0, 3, 10, 50]) {
    const findings = run(queries, { maxSampleNames });
    const samples = findings.at(-1)!.evidence.sampleNames as string[];
    assert.equal(samples.length, Math.min(10, maxSampleNames));
    assert.ok(samples.every((name) => name.length <= 100));
  }
  const defaults = run(queries);
  assert.equal(
    (defaults[0]!.evidence.sampleNames as string[]).length,
    DNS_TUNNEL_DEFAULTS.maxSampleNames,
  );
});

Deno.test("dns_tunnel: findings repeat when unique counts double or every 10 s of packet time", () => {
  const findings = run(dnscat2Queries(60, 1_000_000));
  assert.deepEqual(
    findings.map((f) => [f.timestampUs / 1e6, f.evidence.uniqueSubdomains]),
    [[7, 8], [15, 16], [25, 26], [35, 36], [45, 46], [55, 56]],
  );
  assert.ok(findings.every((f) => f.key === findings[0]!.key));
});

Deno.test("dns_tunnel: counts expire with the window (packet time)", () => {
  const windowUs = 60_000_000;
  const split = [
    ...dnscat2Queries(7, 1_000_000),
    ...dnscat2Queries(7, 1_000_000, 70_000_000).map((p, i) => ({
      ...p,
      dnsQname: `${randomText(1000 + i, 18, HEX)}.skullseclabs.org`,
    })),
  ];
  assert.deepEqual(run(split, { windowUs }), []);
  const together = [
    ...dnscat2Queries(7, 1_000_000),
    ...dnscat2Queries(7, 1_000_000, 20_000_000).map((p, i) => ({
      ...p,
      dnsQname: `${randomText(1000 + i, 18, HEX)}.skullseclabs.org`,
    })),
  ];
  assert.equal(run(together, { windowUs }).length, 1);
});

Deno.test("dns_tunnel: idle groups are dropped from the table after a window", () => {
  const detector = createDnsTunnelDetector({ windowUs: 10_000_000 });
  const sink = () => {};
  detector.observe(dnsQuery({ name: "www.example.com", atUs: 0 }), sink);
  detector.observe(
    dnsQuery({ name: "mail.example.org", atUs: 1_000_000 }),
    sink,
  );
  assert.equal(detector.tables().groups!.size, 2);
  detector.observe(
    dnsQuery({ name: "www.example.net", atUs: 30_000_000 }),
    sink,
  );
  assert.equal(detector.tables().groups!.size, 1);
});

Deno.test("dns_tunnel: responses, mDNS and LLMNR are ignored", () => {
  const names = dnscat2Queries(30, 100_000);
  assert.deepEqual(
    run(
      names.map((p) =>
        dnsQuery({
          name: p.dnsQname,
          qtype: TXT,
          atUs: p.timestampUs,
          response: true,
        })
      ),
    ),
    [],
  );
  assert.deepEqual(
    run(names.map((p) => ({ ...p, dstPort: 5353, dstAddress: "224.0.0.251" }))),
    [],
  );
  assert.deepEqual(run(names.map((p) => ({ ...p, dstPort: 5355 }))), []);
  assert.deepEqual(
    run(names.map((p) => ({ ...p, dnsId: -1 }))),
    [],
    "not a DNS message",
  );
});

Deno.test("dns_tunnel: reverse lookups are excluded", () => {
  const v4 = Array.from({ length: 300 }, (_, i) =>
    dnsQuery({
      name: `${i % 256}.${(i * 7) % 256}.168.192.in-addr.arpa`,
      qtype: PTR,
      atUs: i * 1000,
    }));
  const v6 = Array.from({ length: 300 }, (_, i) =>
    dnsQuery({
      name: `${randomText(i, 32, HEX).split("").join(".")}.ip6.arpa`,
      qtype: PTR,
      atUs: i * 1000,
    }));
  assert.deepEqual(run([...v4, ...v6]), []);
});

Deno.test("dns_tunnel: CDN names with one hashy label are not a tunnel", () => {
  // 50 distinct cloudfront-like and googlevideo-like hosts, A and AAAA.
  const queries: PacketRecord[] = [];
  for (let i = 0; i < 50; i++) {
    queries.push(
      dnsQuery({
        name: `d${
          randomText(i, 13, "abcdefghijklmnopqrstuvwxyz0123456789")
        }.cloudfront.net`,
        qtype: i % 2 ? 28 : A,
        atUs: i * 1_000_000,
      }),
      dnsQuery({
        name: `rr${i % 9}---sn-${
          randomText(i, 8, "abcdefghijklmnopqrstuvwxyz0123456789")
        }.googlevideo.com`,
        qtype: A,
        atUs: i * 1_000_000 + 1,
      }),
      dnsQuery({
        name: `${randomText(i, 32, HEX)}.cdn.example.com`,
        qtype: A,
        atUs: i * 1_000_000 + 2,
      }),
    );
  }
  assert.deepEqual(run(queries), []);
});

Deno.test("dns_tunnel: Windows LAN chatter with 490 repeated CDN-like names is not a tunnel", () => {
  const names = [
    "geo-prod.do.dsp.mp.microsoft.com",
    "geover-prod.do.dsp.mp.microsoft.com",
    "kv401-prod.do.dsp.mp.microsoft.com",
    "v10.vortex-win.data.microsoft.com",
    "sls.update.microsoft.com",
  ];
  const queries = Array.from(
    { length: 490 },
    (_, i) =>
      dnsQuery({
        name: names[i % names.length]!,
        atUs: i * 500_000,
        src: "192.168.199.133",
        dst: "192.168.199.1",
      }),
  );
  assert.deepEqual(run(queries), []);
});

Deno.test("dns_tunnel: a busy resolver forwarding ordinary names is not a tunnel", () => {
  const words = [
    "www",
    "mail",
    "api",
    "cdn",
    "static",
    "img",
    "login",
    "news",
    "shop",
    "video",
    "m",
    "docs",
    "maps",
    "auth",
    "app",
  ];
  const domains = Array.from(
    { length: 200 },
    (_, i) => `site${i}.${["com", "net", "org", "de", "co.uk"][i % 5]}`,
  );
  const queries: PacketRecord[] = [];
  for (let i = 0; i < 20_000; i++) {
    const domain = domains[(i * 31) % domains.length]!;
    const host = `${words[i % words.length]}${
      i % 3 === 0 ? "" : `.${words[(i * 7) % words.length]}`
    }`;
    queries.push(
      dnsQuery({
        name: `${host}.${domain}`,
        qtype: [A, 28, 65][i % 3]!,
        src: "10.0.0.53",
        dst: "9.9.9.9",
        atUs: i * 10_000,
      }),
    );
  }
  assert.deepEqual(run(queries), []);
});

Deno.test("dns_tunnel: ignoreDomains skips antivirus reputation lookups", () => {
  const queries = Array.from(
    { length: 30 },
    (_, i) =>
      dnsQuery({
        name: `${randomText(i, 40, HEX)}.${
          randomText(i + 5, 24, HEX)
        }.sophosxl.net`,
        qtype: TXT,
        atUs: i,
      }),
  );
  assert.deepEqual(run(queries), []);
  assert.equal(run(queries, { ignoreDomains: [] })[0]!.domain, "sophosxl.net");
});

Deno.test("dns_tunnel: groups are per client and per registered domain", () => {
  const queries = dnscat2Queries(7, 1000).map((p, i) => ({
    ...p,
    srcAddress: i % 2 ? "10.0.0.1" : "10.0.0.2",
  }));
  assert.deepEqual(run(queries), []);
  const twoClients = [
    ...dnscat2Queries(8, 1000),
    ...dnscat2Queries(8, 1000).map((p) => ({ ...p, srcAddress: "10.0.0.9" })),
  ];
  assert.deepEqual(run(twoClients).map((f) => f.attacker), [
    "192.168.1.17",
    "10.0.0.9",
  ]);
});

Deno.test("dns_tunnel: identical input gives identical findings", () => {
  const queries = [
    ...dnscat2Queries(100, 250_000),
    ...dnscat2Queries(50, 300_000).map((p) => ({
      ...p,
      srcAddress: "10.1.1.1",
    })),
  ];
  assert.deepEqual(run(queries), run(queries));
});

Deno.test("dns_tunnel: unique counts become an upper bound past maxSubdomainsPerGroup", () => {
  const findings = run(dnscat2Queries(100, 1000), {
    maxSubdomainsPerGroup: 16,
  });
  const last = findings.at(-1)!;
  assert.equal(last.evidence.uniqueSubdomainsIsUpperBound, true);
  // Between the kept hashes and the upper bound, never "at least".
  assert.match(last.summary, /with 16 to \d+ unique subdomains/);
  assert.doesNotMatch(last.summary, /at least/);
  const first = findings[0]!;
  assert.equal(first.evidence.uniqueSubdomainsIsUpperBound, false);
});

Deno.test("dns_tunnel: memory stays bounded under 1M distinct domains", () => {
  const maxGroups = 1000;
  const detector = createDnsTunnelDetector({ maxGroups });
  const sink = () => {};
  const packet = dnsQuery({ name: "", atUs: 0, qtype: TXT });
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = i;
    packet.dnsQname = `q${i & 7}.d${i}.com`;
    detector.observe(packet, sink);
  }
  const stats = detector.tables().groups!;
  assert.equal(stats.capacity, maxGroups);
  assert.ok(stats.size <= maxGroups);
  // Once full, one-query groups are turned away at the door (all but the
  // few that the admission's sketches take for seen before).
  assert.equal(stats.evictions + stats.rejected!, 1_000_000 - maxGroups);
  assert.ok(stats.evictions < 10_000, `${stats.evictions} evictions`);
});

Deno.test("dns_tunnel: a flood of one-query groups does not flush a tunnel out of the full table", () => {
  // dnscat2 queries every 10 ms, with 100 one-query groups (other clients
  // and domains) between two of them, into a table of 64 groups: evicting
  // the least recently seen group for each newcomer would forget the tunnel
  // before its next query.
  const detector = createDnsTunnelDetector({ maxGroups: 64 });
  const findings: Finding[] = [];
  const sink = (finding: Finding) => findings.push(finding);
  const other = dnsQuery({ name: "", atUs: 0 });
  let n = 0;
  for (const query of dnscat2Queries(20, 10_000)) {
    detector.observe(query, sink);
    for (let j = 0; j < 100; j++, n++) {
      other.timestampUs = query.timestampUs + 1 + j;
      other.srcAddress = `10.1.${(n >>> 8) & 255}.${n & 255}`;
      other.dnsQname = `www.d${n}.com`;
      withAddressKeys(other);
      detector.observe(other, sink);
    }
  }
  assert.deepEqual(
    findings.map((f) => [f.attacker, f.domain, f.timestampUs]),
    [
      ["192.168.1.17", "skullseclabs.org", 70_000], // the 8th query
      ["192.168.1.17", "skullseclabs.org", 150_000], // unique subdomains doubled
    ],
  );
  assert.ok(detector.tables().groups!.rejected! > 1_800);
});

Deno.test("dns_tunnel: a busy group that went quiet is kept against a newcomer seen less often", () => {
  const stats = tableAfterNewcomer(
    createDnsTunnelDetector({ maxGroups: 2 }),
    "groups",
    times(
      40,
      (i) => dnsQuery({ name: `q${i}.example.com`, atUs: T0 + i * 1_000 }),
    ),
    [dnsQuery({
      name: "www.other.org",
      atUs: T0 + SECOND_US,
      src: "10.0.0.8",
    })],
    times(20, (i) =>
      dnsQuery({
        name: `x${i}.third.net`,
        atUs: T0 + 2 * SECOND_US + i * 1_000,
        src: "10.0.0.9",
      })),
  );
  assert.deepEqual([stats.evictions, stats.rejected], [0, 20]);
});

Deno.test("dns_tunnel: a mail server's DKIM lookups, malware hash lookups and AWS load balancer names are no tunnel; data under an attribute label still is", () => {
  const queries = (names: string[], qtype: number) =>
    names.map((name, i) => dnsQuery({ name, qtype, atUs: i * 1_000_000 }));
  const tenants = Array.from(
    { length: 12 },
    (_, i) => `tenant${i}-${randomText(i, 8, BASE32)}`,
  );
  // Microsoft 365's DKIM keys, one per sending tenant (TXT).
  assert.deepEqual(
    run(queries(
      tenants.map((tenant) =>
        `selector1-${tenant}-com._domainkey.${tenant}.onmicrosoft.com`
      ),
      TXT,
    )),
    [],
  );
  // Team Cymru's malware hash registry: a file's SHA-1 (TXT), as Zeek asks.
  assert.deepEqual(
    run(queries(
      tenants.map((_, i) => `${randomText(i, 40, HEX)}.malware.hash.cymru.com`),
      TXT,
    )),
    [],
  );
  // Kubernetes ingresses' AWS load balancers (A).
  assert.deepEqual(
    run(queries(
      tenants.map((_, i) =>
        `internal-k8s-shop-${randomText(i, 10, HEX)}-${
          1_000_000_000 + i * 7_919
        }.us-east-1.elb.amazonaws.com`
      ),
      A,
    )),
    [],
  );
  // Encoded data in TXT queries, an attribute label added: found by shape.
  const findings = run(queries(
    tenants.map((_, i) => `${randomText(i, 52, BASE32)}._x.tunnel.example`),
    TXT,
  ));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.domain, "tunnel.example");
  // Short data (24 hex characters) under a known leaf, and under a label
  // of its own: TXT still weighs.
  for (const leaf of ["_domainkey", "_x"]) {
    const short = run(queries(
      tenants.map((_, i) => `${randomText(i, 24, HEX)}.${leaf}.tunnel.example`),
      TXT,
    ));
    assert.equal(short.length, 1, leaf);
  }
});

Deno.test("dns_tunnel: a tunnel sent from port 5353, 5355 or 137 to a resolver's port 53 is unicast DNS, and found; queries to those ports are not judged", () => {
  const queries = (srcPort: number, dstPort: number) =>
    Array.from({ length: 30 }, (_, i) => {
      const query = dnsQuery({
        name: `${randomText(i, 40, BASE32)}.t.tunnel-zone.net`,
        qtype: NULL,
        atUs: i * 100_000,
        dstPort,
      });
      return { ...query, srcPort };
    });
  for (const port of [5353, 5355, 137]) {
    assert.ok(run(queries(port, 53)).length >= 1, `from ${port}`);
    assert.deepEqual(run(queries(40000, port)), [], `to ${port}`);
  }
});

Deno.test("dns_tunnel: only well-formed reverse lookups asked as resolvers ask them are left alone; a tunnel in an ip6.arpa zone delegated to its server is found, in its own labels or in nibbles asked as NULL", () => {
  const reverse = [
    "4.3.2.1.in-addr.arpa",
    "129.0-25.2.0.192.in-addr.arpa",
    "b._dns-sd._udp.0.168.192.in-addr.arpa",
    `${"1.".repeat(31)}1.ip6.arpa`,
  ];
  const lookups = Array.from({ length: 40 }, (_, i) =>
    dnsQuery({
      name: reverse[i % reverse.length]!.replace(/^4/, String(i)),
      qtype: [PTR, A, 2, 28][i % 4]!,
      atUs: i * 10_000,
    }));
  assert.deepEqual(run(lookups), []);
  // 20 nibbles of data under the attacker's /48, asked as NULL.
  const nibbles = Array.from({ length: 30 }, (_, i) =>
    dnsQuery({
      name: `${
        randomText(i, 20, HEX).split("").join(".")
      }.0.0.0.0.0.7.4.0.1.0.0.2.ip6.arpa`,
      qtype: NULL,
      atUs: i * 10_000,
    }));
  assert.ok(run(nibbles).length >= 1);
  // iodine's data under t.0.0.0.0.0.7.4.0.1.0.0.2.ip6.arpa.
  const tunnel = Array.from({ length: 30 }, (_, i) =>
    dnsQuery({
      name: `${randomText(i, 60, BASE32)}.t.0.0.0.0.0.7.4.0.1.0.0.2.ip6.arpa`,
      qtype: NULL,
      atUs: i * 10_000,
    }));
  assert.ok(run(tunnel).length >= 1);
});

Deno.test("dns_tunnel: names written as an address list's lookups count when asked as no list is asked (NULL), or under a zone that is no list's", () => {
  const lookups = (qtype: number) =>
    Array.from({ length: 40 }, (_, i) =>
      dnsQuery({
        name: `${
          randomText(i, 32, HEX).split("").join(".")
        }.t.mailrep-check.com`,
        qtype,
        atUs: i * 10_000,
      }));
  assert.deepEqual(run(lookups(A)), []);
  assert.ok(run(lookups(NULL)).length >= 1);
});

Deno.test("dns_tunnel: 80-character names carry data whatever their alphabet (hex written in 16 letters, in A queries)", () => {
  const letters = "abdefgiklmnoprsu";
  const queries = (labelLength: number) =>
    Array.from({ length: 60 }, (_, i) =>
      dnsQuery({
        name: `${
          Array.from(
            { length: 4 },
            (_, j) => randomText(i * 4 + j, labelLength, letters),
          ).join(".")
        }.updates.example-cdn.com`,
        qtype: A,
        atUs: i * 200_000,
      }));
  const found = run(queries(48));
  assert.ok(found.length >= 1);
  assert.ok((found[0]!.evidence.meanSubdomainLength as number) > 190);
  // 4 × 10 letters: 51 characters, short of that.
  assert.deepEqual(run(queries(10)), []);
});

Deno.test("dns_tunnel: base32 cut into 11-character labels is encoded; names made of words are not", () => {
  const shortLabels = Array.from({ length: 40 }, (_, i) =>
    dnsQuery({
      name: `${
        Array.from(
          { length: 4 },
          (_, j) =>
            randomText(i * 4 + j, 11, "abcdefghijklmnopqrstuvwxyz234567"),
        ).join(".")
      }.x.exfil-zone.org`,
      qtype: TXT,
      atUs: i * 100_000,
    }));
  assert.ok(run(shortLabels).length >= 1);
  const words = ["mail", "static", "images", "europe", "account", "service"];
  const ordinary = Array.from({ length: 40 }, (_, i) =>
    dnsQuery({
      name: `${words[i % 6]}${i}.${words[(i + 1) % 6]}.${words[(i + 2) % 6]}.${
        words[(i + 3) % 6]
      }.example.org`,
      qtype: TXT,
      atUs: i * 100_000,
    }));
  assert.deepEqual(run(ordinary), []);
});

Deno.test("dns_tunnel: a mail server's Spamhaus DQS and Abusix lookups (a customer key in every name) are no tunnel", () => {
  const key = "abcdefghijklmnopqrstuvwxyz";
  const names = (i: number) => [
    `${randomText(i, 32, HEX).split("").join(".")}.${key}.zen.dq.spamhaus.net`,
    `mail${i}.example-sender.com.${key}.dbl.dq.spamhaus.net`,
    `${
      randomText(i, 32, HEX).split("").join(".")
    }.${key}.combined.mail.abusix.zone`,
  ];
  const lookups = Array.from(
    { length: 40 },
    (_, i) =>
      names(i).map((name, j) =>
        dnsQuery({ name, qtype: A, atUs: i * 100_000 + j })
      ),
  ).flat();
  assert.deepEqual(run(lookups), []);
});

Deno.test("dns_tunnel: domain controllers resolving replication partners by GUID are no tunnel; GUID-shaped names asked as NULL still count", () => {
  const guid = (i: number) => {
    const hex = randomText(i, 32, HEX);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
      hex.slice(16, 20)
    }-${hex.slice(20)}`;
  };
  const lookups = (qtype: number) =>
    Array.from({ length: 36 }, (_, i) =>
      dnsQuery({
        name: `${guid(i % 12)}._msdcs.ad.corp.example.com`,
        qtype: i % 2 && qtype === A ? 28 : qtype,
        atUs: i * 10_000_000,
      }));
  assert.deepEqual(run(lookups(A)), []);
  assert.ok(run(lookups(NULL)).length >= 1);
});

Deno.test("dns_tunnel: address-list lookups asked as A and AAAA (getaddrinfo) or as TXT of a known list are left alone; TXT under an unknown zone, or a query to port 5353 of an Internet host, is scored", () => {
  const listName = (i: number, zone: string) =>
    `${randomText(i, 32, HEX).split("").join(".")}.${zone}`;
  const lists = Array.from({ length: 60 }, (_, i) =>
    dnsQuery({
      name: listName(i, i % 3 === 2 ? "bl.spamcop.net" : "zen.spamhaus.org"),
      qtype: [A, 28, TXT][i % 3]!,
      atUs: i * 10_000,
    }));
  assert.deepEqual(run(lists), []);
  const txtTunnel = Array.from({ length: 40 }, (_, i) =>
    dnsQuery({
      name: listName(i, "t.mailrep-check.com"),
      qtype: TXT,
      atUs: i * 10_000,
    }));
  assert.ok(run(txtTunnel).length >= 1);
  // Direct to port 5353 of a server on the Internet, and to mDNS's group.
  const direct = (dst: string) =>
    Array.from({ length: 30 }, (_, i) =>
      dnsQuery({
        name: `${randomText(i, 57, BASE32)}.t.tunnel-zone.net`,
        qtype: NULL,
        atUs: i * 10_000,
        dst,
        dstPort: 5353,
      }));
  assert.ok(run(direct("203.0.113.53")).length >= 1);
  assert.deepEqual(run(direct("224.0.0.251")), []);
});

Deno.test("dns_tunnel: a resolver fetching Amazon SES's DKIM keys (a random token per sending domain, TXT) is no tunnel", () => {
  const lookups = Array.from({ length: 40 }, (_, i) =>
    dnsQuery({
      name: `${randomText(i, 32, BASE32)}.dkim.amazonses.com`,
      qtype: TXT,
      atUs: i * 1_000_000,
    }));
  assert.deepEqual(run(lookups), []);
  assert.ok(run(lookups, { ignoreDomains: [] }).length >= 1);
});

Deno.test("dns_tunnel: a reverse name with labels of data in front is no reverse lookup, asked as PTR too; a list's TXT asked after its A is a mail server's, under any list", () => {
  const tunnel = Array.from({ length: 30 }, (_, i) =>
    dnsQuery({
      name: `_${randomText(i, 56, BASE32)}._${
        randomText(i + 99, 56, BASE32)
      }.0.f.e.e.0.7.4.0.1.0.0.2.ip6.arpa`,
      qtype: PTR,
      atUs: i * 10_000,
    }));
  assert.ok(run(tunnel).length >= 1);
  // Postfix: A of the client's address under the list, then, on a hit,
  // TXT for the reject text; a list no operator table knows.
  const lookups = Array.from({ length: 40 }, (_, i) => {
    const name = `${
      randomText(i, 32, HEX).split("").join(".")
    }.dnsbl.spfbl.net`;
    return [
      dnsQuery({ name, qtype: A, atUs: i * 1_000_000 }),
      dnsQuery({ name, qtype: TXT, atUs: i * 1_000_000 + 20_000 }),
    ];
  }).flat();
  assert.deepEqual(run(lookups), []);
  // The same TXT queries without the address lookups are scored.
  assert.ok(
    run(lookups.filter((query) => query.dnsQtype === TXT)).length >= 1,
  );
});

/** 60 rounds, a second apart, of an A and a TXT query of an address-shaped name under `zoneOf(i)`, and a TXT answer of `answerBytes`. */
function addressThenTxtRounds(
  zoneOf: (i: number) => string,
  answerBytes: number,
): PacketRecord[] {
  return Array.from({ length: 60 }, (_, i) => {
    const name = `${randomText(i, 32, HEX).split("").join(".")}.${zoneOf(i)}`;
    const atUs = i * 1_000_000;
    return [
      dnsQuery({ name, qtype: A, atUs }),
      dnsQuery({ name, qtype: TXT, atUs: atUs + 10_000 }),
      {
        ...dnsQuery({ name, qtype: TXT, atUs: atUs + 20_000, response: true }),
        payloadLength: answerBytes,
      },
    ];
  }).flat();
}

Deno.test("dns_tunnel: an address lookup before every TXT lookup under a zone of its own excuses nothing once a TXT answer there is longer than a listing's reason", () => {
  const rounds = addressThenTxtRounds(() => "bl.evil-sync.com", 950);
  assert.ok(run(rounds).length >= 1);
  // A listing's reason, 120 bytes: a mail server's.
  const reasons = rounds.map((packet) =>
    packet.dnsResponse ? { ...packet, payloadLength: 120 } : packet
  );
  assert.deepEqual(run(reasons), []);
});

Deno.test("dns_tunnel: a long TXT answer under a tunnel's domain ends the excuse for every zone label in front of it", () => {
  const rounds = addressThenTxtRounds((i) => `b${i}.evil-sync.com`, 950);
  assert.ok(run(rounds).length >= 1);
});
