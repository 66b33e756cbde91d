/**
 * The decoder's reading of HTTP requests (method, target, Host) and
 * responses (status), and of TLS ClientHellos' server names (SNI), checked
 * against tshark's on every shared capture that holds them.
 *
 * The decoder reads each segment alone, so tshark is asked to read them
 * alone too (`tcp.desegment_tcp_streams:FALSE`), and the two must agree on
 * every frame. Where the decoder finds more than that tshark does, tshark
 * must find the same in its own way: HTTP or TLS on a port it does not
 * take for them, or in a retransmission, when told that port is HTTP or
 * TLS and not to analyse sequence numbers; a server name in a
 * hello split over segments once it reassembles them (in the same TCP
 * stream).
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { tcpFrame } from "../capture/frame_builder.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import { tsharkFields } from "./cli_helpers.ts";
import {
  hostName,
  MAX_SERVER_NAMES,
  ServerNames,
} from "../detectors/stats/server_names.ts";

/** The shared captures with HTTP over TCP or TLS server names in them. */
const FILES = [
  "attacks/arpspoof_cain_gateway_poison__arppoison.pcapng",
  "attacks/arpspoof_gateway_every2s_with_background__arp_spoofing.pcap",
  "attacks/icmpflood_scapy_60pps_lan__icmp.pcapng",
  "attacks/portscan_nmap-sF-F_FINscan__fin_scan.pcap",
  "attacks/portscan_nmap-sS-F_cloudvm__syn_scan.pcap",
  "attacks/portscan_nmap-sU-F_UDPscan__udp_scan.pcap",
  "attacks/portscan_nmap-sX-F_XMASscan__xmas_scan.pcap",
  "attacks/synflood_spoofed_from_lan_host_with_background__tcp_syn_flood.pcap",
  "benign/baseline_same_lan_as_synflood__no_flood.pcap",
  "benign/http_get_classic_wireshark_sample__http.cap",
  "benign/http_get_google__http_google.pcapng",
  "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
  "benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap",
  "benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
  "benign/tcp_latency_baseline_rtt30ms__latency1.pcapng",
  "benign/tcp_latency_client_slow_request_1.35s__latency3.pcapng",
  "benign/tcp_latency_server_slow_response_1s__latency4.pcapng",
  "benign/tcp_latency_wire_slow_synack_878ms__latency2.pcapng",
  "benign/tls_chrome34_to_google__chrome-34-google.pcap",
  "formats/ipfrag_dns_amplification_RRSIG_fragments__amp.dns.RRSIG.fragmented.pcap",
  "formats/ipv6_and_ipv4_http__http_ip4and6.pcapng",
  "formats/nsec_pcap_ethernet__get-to-ssh-server.pcap",
  "formats/null_loopback_AF2_and_AF30_ipv6_http__http-urldecode-body.pcap",
  "formats/rawip_DLT101_tcp_session__tcp-opt.pcap",
  "formats/sll2_http_download_2.6MB__decode-sll2-02.pcap",
  "formats/sll_linux_cooked_mixed_dns_tls_http__KakaoTalk_chat.pcap",
  "formats/vlan_8021q_id0_http__http-vlan-0.pcap",
  "formats/vlan_triple_tag_qinqinq__vlan-qinqinq.pcap",
];

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;

/** What one frame says: server name, method, target, Host, User-Agent and status, "|"-joined ("" each when absent). */
type Fields = string;

/** The frames the decoder reads something in, by frame number, with their destination port. */
async function ours(
  file: string,
): Promise<Map<number, { fields: Fields; dstPort: number }>> {
  const found = new Map<number, { fields: Fields; dstPort: number }>();
  let frame = 0;
  await readPacketFile(file, (packet) => {
    frame++;
    if (
      packet.tlsServerName === "" && packet.httpMethod === "" &&
      packet.httpStatus < 0
    ) return;
    found.set(frame, {
      fields: [
        packet.tlsServerName,
        packet.httpMethod,
        packet.httpUri,
        packet.httpHost,
        packet.httpUserAgent,
        packet.httpStatus >= 0 ? String(packet.httpStatus) : "",
      ].join("|"),
      dstPort: packet.dstPort,
    });
  });
  return found;
}

/** What tshark reads in the frames `displayFilter` keeps, each segment alone unless `reassemble`, by frame number. */
async function theirs(
  file: string,
  displayFilter: string,
  options: string[] = [],
): Promise<Map<number, { fields: Fields; stream: string }>> {
  const lines = await tsharkFields(
    file,
    [
      "frame.number",
      "tcp.stream",
      "tls.handshake.extensions_server_name",
      "http.request.method",
      "http.request.uri",
      "http.host",
      "http.user_agent",
      "http.response.code",
    ],
    displayFilter,
    ["-E", "occurrence=f", ...options],
  );
  const found = new Map<number, { fields: Fields; stream: string }>();
  for (const line of lines) {
    const [frame, stream, ...fields] = line.split("\t");
    found.set(Number(frame), { fields: fields.join("|"), stream: stream! });
  }
  return found;
}

const APP_FRAMES =
  "tcp && (tls.handshake.extensions_server_name || http.request || http.response)";
const ALONE = ["-o", "tcp.desegment_tcp_streams:FALSE"];

Deno.test("HTTP requests (method, target, Host, User-Agent) and responses, and TLS server names, as tshark reads each segment, frame by frame", async () => {
  let compared = 0;
  let beyond = 0;
  let serverNames = 0;
  let hosts = 0;
  let userAgents = 0;
  for (const name of FILES) {
    const file = PCAPS + name;
    const decoded = await ours(file);
    const alone = await theirs(file, APP_FRAMES, ALONE);
    for (const [frame, { fields }] of alone) {
      assert.equal(
        decoded.get(frame)?.fields,
        fields,
        `${name} frame ${frame}`,
      );
      compared++;
      if (fields.startsWith("|") === false) serverNames++;
      if (fields.split("|")[3] !== "") hosts++;
      if (fields.split("|")[4] !== "") userAgents++;
    }
    // What the decoder reads beyond tshark's segment-by-segment view.
    const more = [...decoded].filter(([frame]) => !alone.has(frame));
    if (more.length === 0) continue;
    const streams = await theirs(file, "tcp");
    const reassembled = await theirs(
      file,
      "tls.handshake.extensions_server_name",
    );
    for (const [frame, { fields, dstPort }] of more) {
      beyond++;
      const where = `${name} frame ${frame} (${fields})`;
      const [serverName] = fields.split("|");
      // On a port tshark does not take for HTTP or TLS, or a retransmission
      // (whose payload tshark leaves undissected): told it is HTTP or TLS,
      // without sequence analysis.
      const told = await theirs(file, `frame.number == ${frame}`, [
        ...ALONE,
        "-o",
        "tcp.analyze_sequence_numbers:FALSE",
        "-d",
        `tcp.port==${dstPort},${serverName === "" ? "http" : "tls"}`,
      ]);
      if (told.get(frame)?.fields === fields) continue;
      // A hello split over segments: tshark names its server once it has
      // them all, in the same stream.
      assert.notEqual(serverName, "", where);
      const stream = streams.get(frame)?.stream;
      const named = [...reassembled.values()].some((hello) =>
        hello.stream === stream && hello.fields.split("|")[0] === serverName
      );
      assert.ok(named, `${where}: tshark names it in stream ${stream}`);
    }
  }
  // The corpus holds what the test is about.
  assert.ok(compared >= 300, `${compared} frames compared`);
  assert.ok(serverNames >= 40, `${serverNames} server names`);
  assert.ok(hosts >= 100, `${hosts} Host headers`);
  assert.ok(userAgents >= 100, `${userAgents} User-Agent headers`);
  assert.ok(beyond >= 5, `${beyond} frames read beyond tshark's view`);
});

Deno.test("server names: each name's TLS hellos and HTTP requests, counted as tshark counts them", async () => {
  let names = 0;
  for (
    const name of [
      "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
      "benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap",
      "attacks/synflood_spoofed_from_lan_host_with_background__tcp_syn_flood.pcap",
    ]
  ) {
    const file = PCAPS + name;
    const counter = new ServerNames();
    await readPacketFile(file, (packet) => counter.observe(packet));
    const ours = new Map(
      counter.top(MAX_SERVER_NAMES).map((entry) => [
        entry.name,
        `${entry.tlsHellos} ${entry.httpRequests}`,
      ]),
    );
    // tshark reads each segment alone, as the decoder does; frames it
    // reads only reassembled or told the port's protocol are the first
    // test's (none in these captures' names but the last one's).
    const hellos = await tsharkFields(
      file,
      ["tls.handshake.extensions_server_name"],
      "tcp && tls.handshake.extensions_server_name",
      ALONE,
    );
    const hosts = await tsharkFields(
      file,
      ["http.host"],
      "tcp && http.request && http.host",
      [...ALONE, "-E", "occurrence=f"],
    );
    const theirs = new Map<string, [number, number]>();
    for (const sni of hellos) {
      const counts = theirs.get(sni.toLowerCase()) ?? [0, 0];
      counts[0]++;
      theirs.set(sni.toLowerCase(), counts);
    }
    for (const host of hosts) {
      const counts = theirs.get(hostName(host)) ?? [0, 0];
      counts[1]++;
      theirs.set(hostName(host), counts);
    }
    for (const [server, [tls, http]] of theirs) {
      assert.equal(ours.get(server), `${tls} ${http}`, `${name}: ${server}`);
    }
    // What the decoder reads beyond tshark's segment-by-segment view: the
    // first test checks those frames; here only that nothing else is there.
    assert.ok(ours.size >= theirs.size, name);
    names += theirs.size;
  }
  assert.ok(names >= 20, `${names} names`);
});

/** A TLS ClientHello asking for `name`, its handshake cut into records of the payload sizes in `sizes` (the rest in a last one). */
function helloInRecords(name: string, sizes: number[]): Uint8Array {
  const host = new TextEncoder().encode(name);
  const serverName = [
    0,
    host.length + 3,
    0, // host_name
    host.length >> 8,
    host.length & 255,
    ...host,
  ];
  const extensions = [0, 0, 0, serverName.length, ...serverName];
  const body = [
    3,
    3,
    ...new Array(32).fill(7),
    0, // session id
    0,
    2,
    0x13,
    0x01, // cipher suites
    1,
    0, // compression
    extensions.length >> 8,
    extensions.length & 255,
    ...extensions,
  ];
  const handshake = [1, 0, body.length >> 8, body.length & 255, ...body];
  const records: number[] = [];
  let at = 0;
  for (const size of [...sizes, handshake.length]) {
    const part = handshake.slice(at, at + size);
    records.push(22, 3, 1, part.length >> 8, part.length & 255, ...part);
    at += part.length;
    if (at >= handshake.length) break;
  }
  return new Uint8Array(records);
}

Deno.test("built segments: a ClientHello split over TLS records in one segment, and RTSP's and SIP's requests (HTTP's methods), read as tshark reads them", async () => {
  const text = (value: string) => new TextEncoder().encode(value);
  const segments: [number, Uint8Array][] = [
    [443, helloInRecords("blocked.example", [50])],
    [443, helloInRecords("one.example", [1])],
    [443, helloInRecords("three.example", [4, 10, 3])],
    [554, text("OPTIONS rtsp://cam.example/live RTSP/1.0\r\nCSeq: 1\r\n\r\n")],
    [
      5060,
      text(
        "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP a\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
      ),
    ],
    [80, text("GET /x HTTP/1.1\r\nHost: web.example\r\n\r\n")],
  ];
  const pcap = new PcapBuilder(1);
  segments.forEach(([port, payload], i) => {
    pcap.add(
      1_700_000_000_000_000 + i * 1_000,
      tcpFrame(
        {
          srcMac: "02:00:00:00:00:01",
          dstMac: "02:00:00:00:00:02",
          src: "10.0.0.1",
          dst: "10.0.0.2",
        },
        { srcPort: 40_000 + i, dstPort: port, flags: 0x18, seq: 1, ack: 1 },
        payload,
      ),
    );
  });
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, pcap.toBytes());
    const decoded = await ours(path);
    const alone = await theirs(path, APP_FRAMES, ALONE);
    assert.deepEqual(
      [...decoded].map(([frame, { fields }]) => [frame, fields]),
      [...alone].map(([frame, { fields }]) => [frame, fields]),
    );
    assert.deepEqual([...alone.keys()], [1, 2, 3, 6], "the hellos and HTTP");
    assert.equal(alone.get(1)?.fields.split("|")[0], "blocked.example");
    // tshark reads the other two as RTSP and SIP.
    const protocols = await tsharkFields(path, ["_ws.col.Protocol"]);
    assert.deepEqual(protocols.slice(3, 5), ["RTSP", "SIP"]);
  } finally {
    await Deno.remove(path);
  }
});
