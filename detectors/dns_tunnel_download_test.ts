import assert from "node:assert/strict";
import { dnsMessage, txtRdata, udpFrame } from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame, MACS } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import { createDnsTunnelDetector } from "./dns_tunnel.ts";
import { SECOND_US, T0 } from "./test_packets.ts";

const CLIENT = "192.168.1.17";
const RESOLVER = "192.168.1.1";
const TXT = 16;

/** Base64 of bytes 0, 1, 2 … (a payload's chunk): 255 characters from `offset`. */
function chunk(offset: number): string {
  const bytes = Uint8Array.from({ length: 192 }, (_, i) => (offset + i) * 7);
  return btoa(String.fromCharCode(...bytes)).slice(0, 255);
}

/** The query for `name` (TXT unless told) and, unless `text` is undefined, its response with a TXT record of `text`, 20 ms later, decoded from frames. */
function exchange(
  atUs: number,
  name: string,
  text: string | undefined,
  client = CLIENT,
): PacketRecord[] {
  const id = atUs % 65_536;
  const query = dnsMessage({ id, name, qtype: TXT });
  const packets = [
    decodeFrame(
      udpFrame(
        { ...MACS, src: client, dst: RESOLVER },
        { srcPort: 40000, dstPort: 53 },
        query,
      ),
      { timestampUs: atUs },
    ).packet,
  ];
  if (text === undefined) return packets;
  const response = dnsMessage({
    id,
    name,
    qtype: TXT,
    response: true,
    records: [{ type: TXT, data: txtRdata(text) }],
  });
  packets.push(
    decodeFrame(
      udpFrame(
        { ...MACS, src: RESOLVER, dst: client },
        { srcPort: 53, dstPort: 40000 },
        response,
      ),
      { timestampUs: atUs + 20_000 },
    ).packet,
  );
  return packets;
}

/** `count` exchanges a second apart, the `i`th for `nameOf(i)` answered with `textOf(i)`. */
function exchanges(
  count: number,
  nameOf: (i: number) => string,
  textOf: (i: number) => string | undefined,
): PacketRecord[] {
  return Array.from(
    { length: count },
    (_, i) => exchange(T0 + i * SECOND_US, nameOf(i), textOf(i)),
  ).flat();
}

function findingsOf(packets: readonly PacketRecord[]): Finding[] {
  const detector = createDnsTunnelDetector();
  const findings: Finding[] = [];
  const sink = (finding: Finding) => findings.push(finding);
  for (const packet of packets) detector.observe(packet, sink);
  detector.flush!(packets.at(-1)!.timestampUs, sink);
  return findings;
}

const stagerName = (i: number) => `${i}.cdn.stage-files.net`;

Deno.test("dns_tunnel download: a stager fetching base64 chunks in TXT answers to short names is found", () => {
  const findings = findingsOf(exchanges(40, stagerName, (i) => chunk(i * 192)));
  assert.ok(findings.length >= 1, "no finding");
  const first = findings[0]!;
  assert.equal(first.kind, "dns_tunnel");
  assert.equal(first.attacker, CLIENT);
  assert.equal(first.victim, RESOLVER);
  assert.equal(first.domain, "stage-files.net");
  // The eighth unique name's query: 7 answers of 8 queries carried data,
  // more than 4 in 5.
  assert.equal(first.timestampUs, T0 + 7 * SECOND_US);
  assert.equal(first.evidence.dataAnswers, 7);
  assert.equal(first.evidence.answerDataBytes, 7 * 255);
  assert.match(first.summary, /7 answers carried 1785 bytes of data down/);
  const last = findings.at(-1)!;
  assert.equal(last.evidence.dataAnswers, 40);
  // Repeated as the incident grows (its names doubling, or every 10 s
  // while they grow), not at each answer.
  assert.ok(findings.length <= 8, `${findings.length} findings`);
  // A first answer giving the chunk count, and a short last chunk, keep it.
  const counted = findingsOf(
    exchanges(
      12,
      stagerName,
      (i) => i === 0 ? "11" : i === 11 ? "QUJD" : chunk(i * 192),
    ),
  );
  assert.ok(counted.length >= 1);
  assert.equal(counted[0]!.attacker, CLIENT);
});

Deno.test("dns_tunnel download: the same names answered with records people read, or not answered at all, are no tunnel", () => {
  const texts = [
    "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net ~all",
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3",
    "google-site-verification=1xPZ3dYHc0lk3g7q9XoO6pH_3W8uQ2a1b2c3d4e5f6",
    undefined,
  ];
  for (const text of texts) {
    assert.deepEqual(
      findingsOf(exchanges(40, stagerName, () => text)),
      [],
      text,
    );
  }
});

Deno.test("dns_tunnel download: bare tokens (ACME digests, also under CNAME-delegated names; verification IDs) carry too little to count", () => {
  // lego's or cert-manager's self-check of 40 hosts: 43-character
  // base64url digests, under "_acme-challenge" or under the names its
  // CNAMEs delegate to; Azure's asuid tokens (64 hex digits).
  for (
    const [nameOf, length] of [
      [(i: number) => `_acme-challenge.host${i}.example.org`, 43],
      [(i: number) => `host${i}.acme-validation.example.net`, 43],
      [(i: number) => `asuid.host${i}.contoso.com`, 64],
    ] as const
  ) {
    const findings = findingsOf(
      exchanges(40, nameOf, (i) => chunk(i).slice(0, length)),
    );
    assert.deepEqual(findings, [], nameOf(0));
  }
});

Deno.test("dns_tunnel download: an answer seen again counts once", () => {
  // Ten TXT queries; two answered with a chunk, each seen four times; the
  // rest answered "ok".
  const packets = exchanges(10, stagerName, (i) => i < 2 ? chunk(i) : "ok");
  const repeats = packets.filter((packet) =>
    packet.dnsResponse && packet.dnsAnswerDataBytes > 0
  ).flatMap((packet) => [packet, packet, packet]);
  const all = [...packets, ...repeats].sort((a, b) =>
    a.timestampUs - b.timestampUs
  );
  assert.deepEqual(findingsOf(all), []);
});

Deno.test("dns_tunnel download: answers count for the client they go to, in its group's window", () => {
  // The stager's queries, but the data goes to another host.
  const packets = Array.from({ length: 40 }, (_, i) => {
    const [query] = exchange(T0 + i * SECOND_US, stagerName(i), undefined);
    const [, answer] = exchange(
      T0 + i * SECOND_US,
      stagerName(i),
      chunk(i * 192),
      "192.168.1.99",
    );
    return [query!, answer!];
  }).flat();
  assert.deepEqual(findingsOf(packets), []);
  // Answers after the window (10 min) of the group's queries count for nothing.
  const late = exchanges(40, stagerName, () => undefined);
  const answers = Array.from(
    { length: 40 },
    (_, i) =>
      exchange(T0 + (700 + i) * SECOND_US, stagerName(i), chunk(i * 192))[1]!,
  );
  assert.deepEqual(findingsOf([...late, ...answers]), []);
});

Deno.test("dns_tunnel download: when the last query's answer completes the share, the finding comes with that answer", () => {
  // The second and seventh answers short: at the tenth query 7 of 10
  // queries have data answers (under 4 in 5); its answer makes 8 of 10.
  const findings = findingsOf(
    exchanges(10, stagerName, (i) => i % 5 === 1 ? "OK" : chunk(i * 192)),
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.timestampUs, T0 + 9 * SECOND_US + 20_000);
  assert.equal(findings[0]!.evidence.dataAnswers, 8);
  assert.equal(findings[0]!.evidence.queries, 10);
});

Deno.test("dns_tunnel download: names passing for DKIM lookups count as TXT once their answers carry data", () => {
  const findings = findingsOf(
    exchanges(
      12,
      (i) => `s${i}._domainkey.stage-files.net`,
      (i) => chunk(i * 192),
    ),
  );
  assert.ok(findings.length >= 1, "no finding");
  assert.equal(findings[0]!.attacker, CLIENT);
  // Real DKIM records are no data: the same names answered with keys.
  const dkim =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3";
  assert.deepEqual(
    findingsOf(
      exchanges(12, (i) => `s${i}._domainkey.stage-files.net`, () => dkim),
    ),
    [],
  );
});

Deno.test("dns_tunnel download: a stager diluting its shares with A queries is found at 32 KiB of data down", () => {
  /** `count` TXT exchanges answered with chunks, each after an A query of another name. */
  const diluted = (count: number) =>
    exchanges(count, stagerName, (i) => chunk(i * 192)).flatMap((packet) => {
      if (packet.dnsResponse) return [packet];
      const name = `www${packet.timestampUs % 100_000}.stage-files.net`;
      const decoy = decodeFrame(
        udpFrame(
          { ...MACS, src: CLIENT, dst: RESOLVER },
          { srcPort: 40001, dstPort: 53 },
          dnsMessage({ id: 1, name, qtype: 1 }),
        ),
        { timestampUs: packet.timestampUs - 1_000 },
      ).packet;
      return [decoy, packet];
    });
  // 100 chunks (25.5 kB): the shares stay under 1.
  assert.deepEqual(findingsOf(diluted(100)), []);
  // 140 chunks: past 32 KiB at the 129th answer.
  const findings = findingsOf(diluted(140));
  assert.ok(findings.length >= 1, "no finding");
  assert.equal(findings[0]!.evidence.answerDataBytes, 129 * 255);
  assert.ok((findings[0]!.evidence.score as number) < 1);
});
