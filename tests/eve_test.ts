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

Deno.test("EVE of web traffic: a tls record per ClientHello naming its server, as tshark reads it", async () => {
  let hellos = 0;
  for (
    const file of [
      "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
      "benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap",
    ]
  ) {
    const records = await eveOf(file);
    const tls = records.filter((r) => r.event_type === "tls");
    assert.deepEqual(
      tls.map((r) => r.tls.sni),
      await tsharkFields(
        `${PCAPS}${file}`,
        ["tls.handshake.extensions_server_name"],
        "tls.handshake.extensions_server_name",
        ["-o", "tcp.desegment_tcp_streams:FALSE", "-E", "occurrence=f"],
      ),
      file,
    );
    for (const record of tls) {
      assert.equal(record.proto, "TCP");
      assert.match(record.community_id, /^1:/);
    }
    hellos += tls.length;
  }
  assert.ok(hellos >= 10, `${hellos} hellos`);
});

/** Captures whose every HTTP request tshark reads as the decoder does (two others hold requests it reads only when told the port's protocol: app_fields_tshark_test.ts). */
const HTTP_FILES = [
  "attacks/arpspoof_cain_gateway_poison__arppoison.pcapng",
  "attacks/portscan_nmap-sF-F_FINscan__fin_scan.pcap",
  "attacks/portscan_nmap-sS-F_cloudvm__syn_scan.pcap",
  "attacks/portscan_nmap-sU-F_UDPscan__udp_scan.pcap",
  "attacks/synflood_spoofed_from_lan_host_with_background__tcp_syn_flood.pcap",
  "benign/http_get_google__http_google.pcapng",
  "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
  "benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap",
  "benign/tcp_latency_server_slow_response_1s__latency4.pcapng",
  "formats/ipv6_and_ipv4_http__http_ip4and6.pcapng",
  "formats/null_loopback_AF2_and_AF30_ipv6_http__http-urldecode-body.pcap",
  "formats/sll2_http_download_2.6MB__decode-sll2-02.pcap",
  "formats/sll_linux_cooked_mixed_dns_tls_http__KakaoTalk_chat.pcap",
  "formats/vlan_triple_tag_qinqinq__vlan-qinqinq.pcap",
];

Deno.test("EVE of web traffic: an http record per request (method, target, host, user agent) with its response's status, as tshark pairs them", async () => {
  let requests = 0;
  let answered = 0;
  for (const file of HTTP_FILES) {
    const http = (await eveOf(file)).filter((r) => r.event_type === "http");
    // Each segment read alone (as the decoder reads a request's first),
    // two passes so that a request knows the frame of its response.
    const options = [
      "-2",
      "-o",
      "tcp.desegment_tcp_streams:FALSE",
      "-E",
      "occurrence=f",
    ];
    const path = `${PCAPS}${file}`;
    const status = new Map(
      (await tsharkFields(
        path,
        ["frame.number", "http.response.code"],
        "tcp && http.response",
        options,
      )).map((line) => line.split("\t") as [string, string]),
    );
    const theirs = (await tsharkFields(
      path,
      [
        "ip.src",
        "ipv6.src",
        "tcp.srcport",
        "tcp.dstport",
        "http.request.method",
        "http.request.uri",
        "http.host",
        "http.user_agent",
        "http.response_in",
      ],
      "tcp && http.request",
      options,
    )).map((line) => {
      const [ipv4, ipv6, ...fields] = line.split("\t");
      const responseIn = fields.pop()!;
      return [
        ipv4 || ipv6,
        ...fields,
        responseIn === "" ? "" : status.get(responseIn),
      ].join("\t");
    });
    // Written when answered (or when their flow ends), so compared as sets.
    const ours = http.map((r) =>
      [
        r.src_ip,
        r.src_port,
        r.dest_port,
        r.http.http_method,
        r.http.url,
        r.http.hostname ?? "",
        r.http.http_user_agent ?? "",
        r.http.status ?? "",
      ].join("\t")
    );
    assert.deepEqual(ours.toSorted(), theirs.toSorted(), file);
    for (const record of http) {
      assert.equal(record.proto, "TCP");
      assert.match(record.community_id, /^1:/);
    }
    requests += http.length;
    answered += http.filter((r) => r.http.status !== undefined).length;
  }
  assert.ok(requests >= 120, `${requests} requests`);
  assert.ok(answered >= 110, `${answered} answered`);
  assert.ok(answered < requests, "some never answered: written at flow end");
});

Deno.test("EVE: an alert released at idle whose detector gives its last figures at the end of the input is released again, marked revised, with the final figures", async () => {
  const records = await eveOf(
    "attacks/portscan_tcp-connect-sT_3hosts_plus_arpsweep__tcpconnect.pcap",
  );
  const releases = records.filter((r) =>
    r.event_type === "alert" && r.netmirror.state === "released" &&
    r.netmirror.alert_id === "arp_scan-1"
  );
  assert.equal(releases.length, 2);
  assert.equal(releases[0]!.netmirror.revised, undefined);
  assert.equal(releases[1]!.netmirror.revised, true);
  assert.notEqual(
    releases[1]!.alert.signature,
    releases[0]!.alert.signature,
    "the revised figures differ",
  );
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
