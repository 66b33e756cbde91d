import assert from "node:assert/strict";
import { udpDatagram, udpFrame } from "../frame_builder.ts";
import { SERVICE_REPLY } from "../packet_record.ts";
import { readPacketFile } from "../packet_source.ts";
import {
  isServiceReplyPort,
  isUdpServicePort,
  serviceReplyOf,
  UDP_SERVICE_PORTS,
} from "./service_reply.ts";
import {
  concat,
  decodeFrame,
  firstFragmentFrame,
  hex,
  V4,
  V6,
} from "./test_helpers.ts";
import {
  IKE_V1_MAIN_MODE_REQUEST,
  IKE_V1_MAIN_MODE_RESPONSE,
  IKE_V2_SA_INIT_REQUEST,
  IKE_V2_SA_INIT_RESPONSE,
  KERBEROS_AS_REP,
  KERBEROS_AS_REQ,
  KERBEROS_ERROR,
  NBNS_NBSTAT_QUERY,
  NBNS_NBSTAT_RESPONSE,
  NMAP_HIGH_PORT_PAYLOADS,
  NTP_BROADCAST,
  NTP_CLIENT_REQUEST,
  NTP_KISS_OF_DEATH,
  NTP_MONLIST_REQUEST,
  NTP_MONLIST_RESPONSE,
  NTP_READVAR_REQUEST,
  NTP_READVAR_RESPONSE,
  NTP_SERVER_REPLY,
  RPC_CALL,
  RPC_PORTMAP_REPLY,
  SNMP_V2C_GET_REQUEST,
  SNMP_V2C_GET_RESPONSE,
  SNMP_V3_ENCRYPTED_RESPONSE,
  SNMP_V3_REPORT,
} from "./test_service_payloads.ts";

const { UNKNOWN, NO, YES, NOTIFICATION } = SERVICE_REPLY;

/** A copy of `payload` with the bytes at `at` replaced by `bytes` (hex). */
function withBytes(payload: Uint8Array, at: number, bytes: string): Uint8Array {
  const replacement = hex(bytes);
  return concat(
    payload.subarray(0, at),
    replacement,
    payload.subarray(at + replacement.length),
  );
}

/** The verdict on `payload` from `srcPort`, all of it captured. */
function verdict(srcPort: number, payload: Uint8Array): number {
  return serviceReplyOf(srcPort, payload, 0, payload.length, payload.length);
}

/** The verdict on `payload` from `srcPort` when the capture holds only its first `captured` bytes. */
function verdictCut(
  srcPort: number,
  payload: Uint8Array,
  captured: number,
): number {
  return serviceReplyOf(srcPort, payload, 0, captured, payload.length);
}

Deno.test("serviceReplyOf() takes NTP server, broadcast, control and private-mode responses for replies, and requests for none", () => {
  const cases: [string, Uint8Array, number][] = [
    ["server reply", NTP_SERVER_REPLY, YES],
    ["broadcast", NTP_BROADCAST, YES],
    ["kiss-o'-death", NTP_KISS_OF_DEATH, YES],
    ["symmetric passive", withBytes(NTP_SERVER_REPLY, 0, "22"), YES],
    [
      "version 1 server reply",
      withBytes(NTP_SERVER_REPLY, 0, "0c"),
      YES,
    ],
    ["monlist response", NTP_MONLIST_RESPONSE, YES],
    ["readvar response", NTP_READVAR_RESPONSE, YES],
    ["client request", NTP_CLIENT_REQUEST, NO],
    ["symmetric active", withBytes(NTP_SERVER_REPLY, 0, "21"), NO],
    ["monlist request", NTP_MONLIST_REQUEST, NO],
    ["readvar request", NTP_READVAR_REQUEST, NO],
    ["server reply, 47 bytes", NTP_SERVER_REPLY.subarray(0, 47), NO],
    ["stratum 17", withBytes(NTP_SERVER_REPLY, 0, "2411"), NO],
    ["version 0", withBytes(NTP_SERVER_REPLY, 0, "04"), NO],
    ["version 5", withBytes(NTP_SERVER_REPLY, 0, "2c"), NO],
    ["control response, opcode 0", hex("1680 0001 0000 0000 0000 0000"), NO],
    ["control response, opcode 13", hex("168d 0001 0000 0000 0000 0000"), NO],
    ["control response, opcode 31", hex("169f 0001 0000 0000 0000 0000"), YES],
    ["control response, 11 bytes", hex("1682 0001 0000 0000 0000 00"), NO],
    ["private response, implementation 1", hex("9700012a00000000"), NO],
    ["private response, implementation 0", hex("9700002a00000000"), YES],
    ["private response, 7 bytes", hex("9700032a000000"), NO],
    ["one byte", hex("24"), NO],
  ];
  for (const [what, payload, expected] of cases) {
    assert.equal(verdict(123, payload), expected, what);
  }
});

Deno.test("serviceReplyOf() takes a KDC's AS-REP, TGS-REP and KRB-ERROR for replies, and an AS-REQ or TGS-REQ for none", () => {
  const tgsRep = withBytes(KERBEROS_AS_REP, 0, "6d");
  const tgsReq = withBytes(KERBEROS_AS_REQ, 0, "6c");
  assert.deepEqual(
    [KERBEROS_AS_REP, tgsRep, KERBEROS_ERROR, KERBEROS_AS_REQ, tgsReq].map((
      payload,
    ) => verdict(88, payload)),
    [YES, YES, YES, NO, NO],
  );
});

Deno.test("serviceReplyOf() takes NBNS responses for replies, and queries for none", () => {
  assert.equal(verdict(137, NBNS_NBSTAT_RESPONSE), YES);
  assert.equal(verdict(137, NBNS_NBSTAT_QUERY), NO);
  // A response header with a question, with no record, or an unknown
  // opcode (12) is no response.
  const response = NBNS_NBSTAT_RESPONSE;
  const withQuestion = withBytes(response, 5, "01");
  const noRecord = withBytes(response, 7, "00");
  const opcode12 = withBytes(response, 2, "e4");
  assert.deepEqual(
    [withQuestion, noRecord, opcode12].map((p) => verdict(137, p)),
    [NO, NO, NO],
  );
  assert.equal(verdict(137, response.subarray(0, 11)), NO);
});

Deno.test("serviceReplyOf() takes an SNMP agent's responses, reports and encrypted v3 answers for replies, and managers' requests for none", () => {
  assert.deepEqual(
    [
      SNMP_V2C_GET_RESPONSE,
      SNMP_V3_REPORT,
      SNMP_V3_ENCRYPTED_RESPONSE,
      SNMP_V2C_GET_REQUEST,
    ].map((payload) => verdict(161, payload)),
    [YES, YES, YES, NO],
  );
  // The same response as SNMPv1 (version 0), and with a community whose
  // length takes the long form (0x81 0x06); as a v2 trap (0xa7), a v1 trap
  // (0xa4) and an inform (0xa6), a notification.
  const v1 = withBytes(SNMP_V2C_GET_RESPONSE, 4, "00");
  assert.deepEqual(
    ["a7", "a4", "a6", "a8"].map((tag) =>
      verdict(161, withBytes(SNMP_V2C_GET_RESPONSE, 13, tag))
    ),
    [NOTIFICATION, NOTIFICATION, NOTIFICATION, YES],
  );
  const longCommunity = concat(
    hex("3038"),
    SNMP_V2C_GET_RESPONSE.subarray(2, 6),
    hex("8106"),
    SNMP_V2C_GET_RESPONSE.subarray(7),
  );
  assert.deepEqual([v1, longCommunity].map((p) => verdict(161, p)), [
    YES,
    YES,
  ]);
  // Version 2 (no such SNMP), and bytes that are no BER sequence.
  const v2 = withBytes(SNMP_V2C_GET_RESPONSE, 4, "02");
  assert.deepEqual([v2, hex("3180")].map((p) => verdict(161, p)), [NO, NO]);
});

Deno.test("serviceReplyOf() takes an IKE peer's answers for replies, and requests, other versions and lengths for none", () => {
  const cases: [string, Uint8Array, number][] = [
    ["IKEv2 IKE_SA_INIT response", IKE_V2_SA_INIT_RESPONSE, YES],
    ["IKEv1 Main Mode, the responder's", IKE_V1_MAIN_MODE_RESPONSE, YES],
    ["IKEv2 IKE_SA_INIT request", IKE_V2_SA_INIT_REQUEST, NO],
    ["IKEv1 Main Mode request (nmap's)", IKE_V1_MAIN_MODE_REQUEST, NO],
    // An IKEv2 error answer to IKE_SA_INIT keeps the responder SPI zero.
    [
      "IKEv2 response, responder SPI zero",
      withBytes(IKE_V2_SA_INIT_RESPONSE, 8, "0000000000000000"),
      YES,
    ],
    // A request by the peer that did not start the exchange: not an answer.
    [
      "IKEv2 request with the responder SPI",
      withBytes(IKE_V2_SA_INIT_RESPONSE, 19, "00"),
      NO,
    ],
    ["version 3", withBytes(IKE_V2_SA_INIT_RESPONSE, 17, "30"), NO],
    ["version 0", withBytes(IKE_V1_MAIN_MODE_RESPONSE, 17, "00"), NO],
    [
      "a length other than the datagram's",
      withBytes(IKE_V2_SA_INIT_RESPONSE, 24, "00000031"),
      NO,
    ],
    [
      "a length shorter than the datagram's",
      withBytes(IKE_V2_SA_INIT_RESPONSE, 24, "0000002f"),
      NO,
    ],
    ["a header cut short", IKE_V2_SA_INIT_RESPONSE.subarray(0, 27), NO],
    // An IKEv1 error answer to a first message (Informational exchange,
    // notification first), as libreswan sends it: responder cookie zero.
    [
      "IKEv1 notification, responder cookie zero",
      withBytes(IKE_V1_MAIN_MODE_REQUEST, 16, "0b100500"),
      YES,
    ],
    [
      "IKEv1 Informational opening with another payload",
      withBytes(IKE_V1_MAIN_MODE_REQUEST, 16, "0c100500"),
      NO,
    ],
  ];
  for (const [what, payload, expected] of cases) {
    assert.equal(verdict(500, payload), expected, what);
  }
});

Deno.test("serviceReplyOf() takes a portmapper's RPC replies, accepted or denied, for replies, and calls for none", () => {
  const cases: [string, Uint8Array, number][] = [
    ["accepted reply", RPC_PORTMAP_REPLY, YES],
    ["denied reply", withBytes(RPC_PORTMAP_REPLY, 8, "00000001"), YES],
    ["call (nmap's)", RPC_CALL, NO],
    ["another reply status", withBytes(RPC_PORTMAP_REPLY, 8, "00000002"), NO],
    ["too short", RPC_PORTMAP_REPLY.subarray(0, 11), NO],
  ];
  for (const [what, payload, expected] of cases) {
    assert.equal(verdict(111, payload), expected, what);
  }
  assert.equal(verdictCut(111, RPC_PORTMAP_REPLY, 11), UNKNOWN);
  assert.equal(verdictCut(111, RPC_PORTMAP_REPLY, 12), YES);
});

Deno.test("serviceReplyOf() takes none of nmap's payloads for ports above 1023 for a reply, from any of the six ports", () => {
  for (const [ports, payload] of NMAP_HIGH_PORT_PAYLOADS) {
    for (const srcPort of [88, 111, 123, 137, 161, 500]) {
      assert.equal(verdict(srcPort, payload), NO, `${ports} from ${srcPort}`);
    }
  }
});

Deno.test("serviceReplyOf() cannot tell a payload the capture cut before the bytes that tell", () => {
  assert.equal(verdictCut(123, NTP_SERVER_REPLY, 1), UNKNOWN);
  assert.equal(verdictCut(123, NTP_SERVER_REPLY, 2), YES);
  assert.equal(verdictCut(123, NTP_MONLIST_RESPONSE, 2), UNKNOWN);
  assert.equal(verdictCut(123, NTP_MONLIST_RESPONSE, 3), YES);
  assert.equal(verdictCut(88, KERBEROS_AS_REP, 0), UNKNOWN);
  assert.equal(verdictCut(137, NBNS_NBSTAT_RESPONSE, 11), UNKNOWN);
  assert.equal(verdictCut(137, NBNS_NBSTAT_RESPONSE, 12), YES);
  // SNMP: the PDU tag of v2c is byte 13; v3's flags, byte 18.
  assert.equal(verdictCut(161, SNMP_V2C_GET_RESPONSE, 13), UNKNOWN);
  assert.equal(verdictCut(161, SNMP_V2C_GET_RESPONSE, 14), YES);
  assert.equal(verdictCut(161, SNMP_V3_REPORT, 18), UNKNOWN);
  assert.equal(verdictCut(161, SNMP_V3_REPORT, 19), YES);
  for (let captured = 0; captured < 14; captured++) {
    assert.equal(verdictCut(161, SNMP_V2C_GET_RESPONSE, captured), UNKNOWN);
  }
  // IKE: the whole 28-byte header; a payload too short for it is none,
  // cut or not.
  assert.equal(verdictCut(500, IKE_V2_SA_INIT_RESPONSE, 27), UNKNOWN);
  assert.equal(verdictCut(500, IKE_V2_SA_INIT_RESPONSE, 28), YES);
  assert.equal(
    verdictCut(500, IKE_V2_SA_INIT_RESPONSE.subarray(0, 20), 10),
    NO,
  );
});

Deno.test("serviceReplyOf() takes an empty payload for no reply, and tells nothing from other ports", () => {
  assert.equal(serviceReplyOf(123, new Uint8Array(0), 0, 0, 0), NO);
  assert.equal(verdict(53, NTP_SERVER_REPLY), UNKNOWN);
  assert.equal(verdict(501, IKE_V2_SA_INIT_RESPONSE), UNKNOWN);
});

Deno.test("isServiceReplyPort() holds for the six told ports alone", () => {
  const told = [];
  for (let port = 0; port < 65536; port++) {
    if (isServiceReplyPort(port)) told.push(port);
  }
  assert.deepEqual(told, [88, 111, 123, 137, 161, 500]);
});

Deno.test("isUdpServicePort() holds below 512 for the listed services only, and for every port from 512 up", () => {
  const below = [];
  for (let port = 0; port < 512; port++) {
    if (isUdpServicePort(port)) below.push(port);
  }
  assert.deepEqual(below, [...UDP_SERVICE_PORTS].sort((a, b) => a - b));
  // Ports scanners borrow that no UDP service answers from.
  for (const port of [0, 20, 21, 22, 25, 67, 80, 110, 445]) {
    assert.equal(isUdpServicePort(port), false, String(port));
  }
  for (const port of [512, 600, 722, 1022, 1023, 1024, 65535]) {
    assert.equal(isUdpServicePort(port), true, String(port));
  }
});

Deno.test("decodePacket() sets udpServiceReply for UDP from the six ports only, over IPv4 and IPv6", () => {
  const decode = (
    ends: typeof V4 | typeof V6,
    srcPort: number,
    payload: Uint8Array,
  ) => decodeFrame(udpFrame(ends, { srcPort, dstPort: 40000 }, payload)).packet;
  for (const ends of [V4, V6]) {
    assert.equal(decode(ends, 123, NTP_SERVER_REPLY).udpServiceReply, YES);
    assert.equal(decode(ends, 123, NTP_CLIENT_REQUEST).udpServiceReply, NO);
    assert.equal(decode(ends, 123, new Uint8Array(0)).udpServiceReply, NO);
    assert.equal(decode(ends, 161, SNMP_V2C_GET_RESPONSE).udpServiceReply, YES);
    assert.equal(
      decode(ends, 500, IKE_V2_SA_INIT_RESPONSE).udpServiceReply,
      YES,
    );
    assert.equal(decode(ends, 124, NTP_SERVER_REPLY).udpServiceReply, UNKNOWN);
  }
  // To port 123 (a client's request) nothing is told.
  const request = decodeFrame(
    udpFrame(V4, { srcPort: 40000, dstPort: 123 }, NTP_CLIENT_REQUEST),
  ).packet;
  assert.equal(request.udpServiceReply, UNKNOWN);
});

Deno.test("decodePacket() leaves udpServiceReply untold, and the packet truncated, when the snap length cuts the bytes that tell", () => {
  const frame = udpFrame(
    V4,
    { srcPort: 123, dstPort: 40000 },
    NTP_SERVER_REPLY,
  );
  // Ethernet 14 + IPv4 20 + UDP 8: the payload starts at byte 42.
  const cut = decodeFrame(frame, { capturedLength: 43 }).packet;
  assert.deepEqual([cut.udpServiceReply, cut.truncated], [UNKNOWN, true]);
  const enough = decodeFrame(frame, { capturedLength: 44 }).packet;
  assert.deepEqual([enough.udpServiceReply, enough.truncated], [YES, true]);
});

Deno.test("decodePacket() tells the first IP fragment of a long IKE answer by its datagram's length", () => {
  // A 1600-byte IKE_SA_INIT response (a large key exchange), its header's
  // length set to match; the first fragment carries 1472 payload bytes.
  const payload = new Uint8Array(1600);
  payload.set(IKE_V2_SA_INIT_RESPONSE.subarray(0, 28));
  new DataView(payload.buffer).setUint32(24, payload.length);
  const datagram = udpDatagram(
    { src: V4.src, dst: V4.dst, srcPort: 500, dstPort: 40000 },
    payload,
  );
  const { packet, anomalies } = decodeFrame(
    firstFragmentFrame(17, datagram, 1480),
  );
  assert.deepEqual(
    [packet.fragment, packet.payloadLength, packet.udpServiceReply],
    [true, 1472, YES],
  );
  assert.equal(anomalies.total(), 0);
  // A first fragment too short for the header: not told.
  const short = decodeFrame(firstFragmentFrame(17, datagram, 24)).packet;
  assert.deepEqual([short.payloadLength, short.udpServiceReply], [16, UNKNOWN]);
});

Deno.test("every datagram with data from a told port to a high port in the shared captures is a reply", async () => {
  // Real services' answers: SNMP amplification, NBNS, NTP, portmapper
  // replies. None may be taken for a scan's probe.
  const pcaps = new URL("../../../shared/pcaps/", import.meta.url);
  const told = new Map<number, number>();
  for (const folder of ["attacks", "benign", "formats"]) {
    for await (const entry of Deno.readDir(new URL(`${folder}/`, pcaps))) {
      if (!entry.isFile) continue;
      const path = new URL(`${folder}/${entry.name}`, pcaps).pathname;
      await readPacketFile(path, (packet) => {
        if (
          packet.transport !== "udp" || packet.payloadLength === 0 ||
          packet.dstPort < 1024 || !isServiceReplyPort(packet.srcPort)
        ) return;
        assert.notEqual(
          packet.udpServiceReply,
          NO,
          `${entry.name}: from port ${packet.srcPort}`,
        );
        told.set(packet.srcPort, (told.get(packet.srcPort) ?? 0) + 1);
      });
    }
  }
  // tshark finds these: 3 from 111, 1 from 123, 3 from 137, 14 from 161.
  assert.deepEqual([...told].sort((a, b) => a[0] - b[0]), [
    [111, 3],
    [123, 1],
    [137, 3],
    [161, 14],
  ]);
});
