/**
 * EVE output on real captures: every line validates against the committed
 * schema, and the records say what the capture holds.
 */

import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { readPacketFile } from "../capture/packet_source.ts";
import { CaptureFormatError } from "../capture/pcap_reader.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { communityId } from "../server/community_id.ts";
import { tsharkFields } from "./cli_helpers.ts";
import {
  EveLines,
  EveLogger,
  EveWriter,
  writeLine,
} from "../server/eve/mod.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;
const schema = JSON.parse(
  await Deno.readTextFile(
    new URL("../server/eve/eve.schema.json", import.meta.url),
  ),
);
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

// deno-lint-ignore no-explicit-any
type Line = Record<string, any>;

/** The EVE lines of `file`, each validated; a damaged file's up to the damage when `toDamage`. */
async function eveOf(file: string, toDamage = false): Promise<Line[]> {
  const sink = new EveLines();
  const { lines } = sink;
  const logger = new EveLogger(sink);
  const engine = new AnalysisEngine({}, (event) => logger.alert(event));
  try {
    await readPacketFile(`${PCAPS}${file}`, (packet) => {
      engine.observe(packet);
      logger.observe(packet);
    });
  } catch (error) {
    if (!(toDamage && error instanceof CaptureFormatError)) throw error;
  }
  engine.finish();
  logger.finish();
  return lines.map((line, n) => {
    const record: Line = JSON.parse(line);
    assert.ok(
      validate(record),
      `${file} line ${n + 1}: ${JSON.stringify(validate.errors)}\n${line}`,
    );
    return record;
  });
}

Deno.test("EVE of a SYN scan: a valid alert with MITRE metadata, flows with community ids", async () => {
  const records = await eveOf(
    "attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng",
  );
  const alerts = records.filter((r) => r.event_type === "alert");
  assert.ok(alerts.length >= 1);
  const scan = alerts.find((a) =>
    a.alert.metadata.netmirror_kind[0] === "port_scan"
  )!;
  assert.equal(scan.src_ip, "172.16.0.8");
  assert.equal(scan.dest_ip, "64.13.134.52");
  assert.deepEqual(scan.alert.metadata.mitre_technique_id, ["T1046"]);
  const flows = records.filter((r) => r.event_type === "flow");
  assert.ok(flows.length >= 1000, `${flows.length} flows`);
  for (const flow of flows.slice(0, 50)) {
    const protocol = flow.proto === "TCP" ? 6 : flow.proto === "UDP" ? 17 : -1;
    if (protocol < 0) continue;
    assert.equal(
      flow.community_id,
      communityId({
        srcAddress: flow.dest_ip,
        dstAddress: flow.src_ip,
        protocol,
        srcPort: flow.dest_port,
        dstPort: flow.src_port,
      }),
      "the same id from either direction",
    );
  }
  assert.ok(flows.some((f) => f.flow.alerted), "the scan's flows are marked");
  const stats = records.filter((r) => r.event_type === "stats").at(-1)!;
  // Alerts raised and changed; each alert's release record comes on top.
  const released = alerts.filter((a) => a.netmirror.state === "released");
  assert.equal(
    released.length,
    new Set(alerts.map((a) => a.netmirror.alert_id)).size,
  );
  assert.equal(stats.stats.detect.alert, alerts.length - released.length);
});

Deno.test("EVE of DNS traffic: one dns record per DNS message", async () => {
  const file = "benign/dns_ipv4_ipv6_udp_tcp_edns__dns-edns-ecs.pcap";
  const records = await eveOf(file);
  let dnsPackets = 0;
  await readPacketFile(`${PCAPS}${file}`, (packet) => {
    if (packet.dnsId >= 0) dnsPackets++;
  });
  const dns = records.filter((r) => r.event_type === "dns");
  assert.ok(dnsPackets > 0);
  assert.equal(dns.length, dnsPackets);
  assert.ok(dns.some((r) => r.dns.type === "query"));
  assert.ok(dns.some((r) => r.dns.type === "answer" && r.dns.rcode));
  assert.ok(dns.some((r) => r.src_ip.includes(":")), "IPv6 too");
});

Deno.test("EVE of web traffic: an http record per request (method, target, host) and a tls record per ClientHello naming its server, as tshark reads them", async () => {
  let requests = 0;
  let hellos = 0;
  for (
    const file of [
      "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
      "benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap",
    ]
  ) {
    const records = await eveOf(file);
    const http = records.filter((r) => r.event_type === "http");
    const tls = records.filter((r) => r.event_type === "tls");
    const fields = (displayFilter: string, names: string[]) =>
      tsharkFields(`${PCAPS}${file}`, names, displayFilter, [
        "-o",
        "tcp.desegment_tcp_streams:FALSE",
        "-E",
        "occurrence=f",
      ]);
    assert.deepEqual(
      http.map((r) =>
        [
          r.src_ip,
          r.dest_port,
          r.http.http_method,
          r.http.url,
          r.http.hostname ?? "",
        ].join("\t")
      ),
      await fields("tcp && http.request", [
        "ip.src",
        "tcp.dstport",
        "http.request.method",
        "http.request.uri",
        "http.host",
      ]),
      file,
    );
    assert.deepEqual(
      tls.map((r) => r.tls.sni),
      await fields("tls.handshake.extensions_server_name", [
        "tls.handshake.extensions_server_name",
      ]),
      file,
    );
    for (const record of [...http, ...tls]) {
      assert.equal(record.proto, "TCP");
      assert.match(record.community_id, /^1:/);
    }
    requests += http.length;
    hellos += tls.length;
  }
  assert.ok(requests >= 10, `${requests} requests`);
  assert.ok(hellos >= 10, `${hellos} hellos`);
});

Deno.test("EVE of ARP traffic: arp records with macs and addresses", async () => {
  const records = await eveOf(
    "benign/arp_request_reply__arp_resolution.pcapng",
  );
  const arp = records.filter((r) => r.event_type === "arp");
  assert.ok(arp.some((r) => r.arp.opcode === "request"));
  assert.ok(arp.some((r) => r.arp.opcode === "reply"));
  assert.equal(records.filter((r) => r.event_type === "alert").length, 0);
});

Deno.test("EVE of ARP spoofing by a host with no address of its own: its MAC in ether.src_mac, never in src_ip", async () => {
  const records = await eveOf(
    "attacks/arpspoof_gateway_every2s_with_background__arp_spoofing.pcap",
  );
  const alerts = records.filter((r) => r.event_type === "alert");
  assert.ok(alerts.length > 0);
  for (const alert of alerts) {
    assert.equal(alert.src_ip, undefined);
    assert.equal(alert.ether?.src_mac, "b4:b6:86:fb:db:07");
    assert.equal(alert.dest_ip, "192.168.1.175");
  }
});

Deno.test("EVE lines from every shared capture validate (a damaged one's up to the damage)", async () => {
  for (const dir of ["attacks", "benign", "formats", "malformed"]) {
    for await (const entry of Deno.readDir(`${PCAPS}${dir}`)) {
      if (entry.isFile && /\.(pcap|pcapng|cap)(\.gz)?$/.test(entry.name)) {
        await eveOf(`${dir}/${entry.name}`, dir === "malformed");
      }
    }
  }
});

Deno.test("EVE writes no arp record for an ARP whose addresses were not decoded", async () => {
  const records = await eveOf(
    "malformed/arp_too_long_hw_addr__arp-too-long-tha.pcap",
  );
  const arp = records.filter((r) => r.event_type === "arp");
  assert.ok(records.length > 0, "the capture still gives records");
  assert.deepEqual(arp, [], "no arp record with empty addresses");
});

Deno.test("EveWriter rotates by size and keeps the newest files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-eve-" });
  const path = `${dir}/eve.json`;
  const writer = new EveWriter(path, { rotateBytes: 1000, keepFiles: 2 });
  for (let i = 0; i < 200; i++) {
    writeLine(writer, JSON.stringify({ n: i, pad: "x".repeat(40) }));
    if (i % 10 === 9) writer.flush();
  }
  writer.close();
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  assert.deepEqual(names.sort(), ["eve.json", "eve.json.1", "eve.json.2"]);
  for (const name of names) {
    const size = (await Deno.stat(`${dir}/${name}`)).size;
    assert.ok(size <= 1000, `${name} is ${size} bytes`);
  }
  const last = (await Deno.readTextFile(path)).trim().split("\n").at(-1)!;
  assert.equal(JSON.parse(last).n, 199);
  await Deno.remove(dir, { recursive: true });
});
