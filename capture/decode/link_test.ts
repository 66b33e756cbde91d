import assert from "node:assert/strict";
import {
  ETHER_TYPE as BUILD_ETHER_TYPE,
  ethernetFrame,
  icmpMessage,
  ipv4Packet,
  ipv6Packet,
  parseMac,
} from "../frame_builder.ts";
import { LINK_TYPE } from "../pcap_record.ts";
import {
  assertPrefixesTruncated,
  concat,
  decodeFrame,
  hex,
  MACS,
} from "./test_helpers.ts";

const ECHO = icmpMessage({ type: 8, id: 7, seq: 1 }, new Uint8Array(8));
const IPV4 = ipv4Packet(
  { src: "10.0.0.1", dst: "10.0.0.2", protocol: 1 },
  ECHO,
);
const ECHO6 = icmpMessage({
  type: 128,
  id: 7,
  seq: 1,
  v6: { src: "fe80::1", dst: "fe80::2" },
});
const IPV6 = ipv6Packet(
  { src: "fe80::1", dst: "fe80::2", nextHeader: 58 },
  ECHO6,
);

Deno.test("decodePacket() reads an Ethernet II header", () => {
  const frame = ethernetFrame(
    { ...MACS, etherType: BUILD_ETHER_TYPE.IPV4 },
    IPV4,
  );
  const { packet, anomalies } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.srcMac,
      packet.dstMac,
      packet.etherType,
      packet.vlanId,
      packet.network,
    ],
    ["02:00:00:00:00:01", "02:00:00:00:00:02", 0x0800, -1, "ipv4"],
  );
  assert.equal(packet.transport, "icmp");
  assert.equal(packet.linkType, LINK_TYPE.ETHERNET);
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() skips 802.1Q, 802.1ad and stacked tags of any depth (innermost id)", () => {
  for (
    const vlanIds of [[0], [123], [100, 200], [1, 2, 3], [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]]
  ) {
    const frame = ethernetFrame({
      ...MACS,
      etherType: BUILD_ETHER_TYPE.IPV4,
      vlanIds,
    }, IPV4);
    const { packet } = decodeFrame(frame);
    assert.equal(packet.vlanId, vlanIds.at(-1), String(vlanIds));
    assert.equal(packet.network, "ipv4");
    assert.equal(packet.transport, "icmp");
    assertPrefixesTruncated(frame);
  }
  // 802.1ad S-tag (0x88a8) then 802.1Q C-tag, and the old 0x9100 QinQ tag.
  for (const outer of [0x88a8, 0x9100]) {
    const frame = concat(
      parseMac(MACS.dstMac),
      parseMac(MACS.srcMac),
      hex(`${outer.toString(16)} 0064 8100 00c8 0800`),
      IPV4,
    );
    const { packet } = decodeFrame(frame);
    assert.deepEqual([packet.vlanId, packet.network, packet.transport], [
      200,
      "ipv4",
      "icmp",
    ]);
  }
});

Deno.test("decodePacket() resolves 802.3 LLC/SNAP to its EtherType and ignores other 802.3 frames", () => {
  const snap = concat(
    parseMac(MACS.dstMac),
    parseMac(MACS.srcMac),
    hex((8 + IPV4.length).toString(16).padStart(4, "0") + "aaaa03 000000 0800"),
    IPV4,
  );
  assert.equal(decodeFrame(snap).packet.network, "ipv4");
  const stp = concat(
    parseMac(MACS.dstMac),
    parseMac(MACS.srcMac),
    hex("0026 424203 0000 0000"),
  );
  const { packet, anomalies } = decodeFrame(stp);
  assert.deepEqual([packet.network, packet.etherType, packet.transport], [
    "other",
    -1,
    "none",
  ]);
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() reads Linux cooked v1 (SLL) headers", () => {
  // Packet type 0 (to us), ARPHRD_ETHER, address length 6, address + 2 pad bytes, protocol.
  const header = hex("0000 0001 0006 020000000001 0000 0800");
  const { packet } = decodeFrame(concat(header, IPV4), {
    linkType: LINK_TYPE.LINUX_SLL,
  });
  assert.deepEqual(
    [
      packet.srcMac,
      packet.dstMac,
      packet.etherType,
      packet.network,
      packet.transport,
    ],
    ["02:00:00:00:00:01", "", 0x0800, "ipv4", "icmp"],
  );
  const v6 =
    decodeFrame(concat(hex("0004 0001 0006 020000000001 0000 86dd"), IPV6), {
      linkType: LINK_TYPE.LINUX_SLL,
    }).packet;
  assert.deepEqual([v6.network, v6.transport], ["ipv6", "icmpv6"]);
  // A VLAN tag left in place after the SLL header.
  const tagged = decodeFrame(
    concat(hex("0000 0001 0006 020000000001 0000 8100 0007 0800"), IPV4),
    {
      linkType: LINK_TYPE.LINUX_SLL,
    },
  ).packet;
  assert.deepEqual([tagged.vlanId, tagged.network], [7, "ipv4"]);
  // Protocol 0x0004 (802.2 LLC): not decoded, not an anomaly.
  const llc = decodeFrame(concat(header.slice(0, 14), hex("0004"), IPV4), {
    linkType: LINK_TYPE.LINUX_SLL,
  });
  assert.deepEqual([llc.packet.network, llc.anomalies.total()], ["other", 0]);
  assertPrefixesTruncated(concat(header, IPV4), LINK_TYPE.LINUX_SLL);
});

Deno.test("decodePacket() reads Linux cooked v2 (SLL2) headers", () => {
  // Protocol, reserved, interface index 2, ARPHRD_ETHER, packet type 4 (outgoing), address length 6, address + pad.
  const header = hex("0800 0000 00000002 0001 04 06 020000000001 0000");
  const frame = concat(header, IPV4);
  const { packet } = decodeFrame(frame, { linkType: LINK_TYPE.LINUX_SLL2 });
  assert.deepEqual(
    [
      packet.srcMac,
      packet.etherType,
      packet.network,
      packet.transport,
      packet.srcAddress,
    ],
    ["02:00:00:00:00:01", 0x0800, "ipv4", "icmp", "10.0.0.1"],
  );
  assertPrefixesTruncated(frame, LINK_TYPE.LINUX_SLL2);
});

Deno.test("decodePacket() reads raw IP by version (101, 12, 14) and by link type (228, 229)", () => {
  for (const linkType of [LINK_TYPE.RAW, 12, 14]) {
    assert.equal(decodeFrame(IPV4, { linkType }).packet.network, "ipv4");
    assert.equal(decodeFrame(IPV6, { linkType }).packet.network, "ipv6");
    assertPrefixesTruncated(IPV4, linkType);
    assertPrefixesTruncated(IPV6, linkType);
  }
  const v4 = decodeFrame(IPV4, { linkType: LINK_TYPE.IPV4 }).packet;
  assert.deepEqual([v4.network, v4.etherType, v4.transport, v4.srcMac], [
    "ipv4",
    0x0800,
    "icmp",
    "",
  ]);
  const v6 = decodeFrame(IPV6, { linkType: LINK_TYPE.IPV6 }).packet;
  assert.deepEqual([v6.network, v6.etherType, v6.transport], [
    "ipv6",
    0x86dd,
    "icmpv6",
  ]);
  assertPrefixesTruncated(IPV4, LINK_TYPE.IPV4);
  assertPrefixesTruncated(IPV6, LINK_TYPE.IPV6);
  const bad = decodeFrame(hex("50 00 00 14"), { linkType: LINK_TYPE.RAW });
  assert.deepEqual([bad.packet.network, bad.packet.anomaly], [
    "other",
    "raw_ip_bad_version",
  ]);
});

Deno.test("decodePacket() reads null/loop headers in either byte order, AF_INET and AF_INET6 (24, 28, 30)", () => {
  for (const linkType of [LINK_TYPE.NULL, LINK_TYPE.LOOP]) {
    for (const header of ["02000000", "00000002"]) {
      const frame = concat(hex(header), IPV4);
      const { packet } = decodeFrame(frame, { linkType });
      assert.deepEqual(
        [packet.network, packet.transport],
        ["ipv4", "icmp"],
        header,
      );
      assertPrefixesTruncated(frame, linkType);
    }
    for (const family of [24, 28, 30]) {
      for (const order of ["le", "be"]) {
        const af = family.toString(16).padStart(2, "0");
        const header = order === "le" ? `${af}000000` : `000000${af}`;
        const { packet } = decodeFrame(concat(hex(header), IPV6), { linkType });
        assert.deepEqual(
          [packet.network, packet.transport],
          ["ipv6", "icmpv6"],
          header,
        );
      }
    }
    // AF_APPLETALK (16) and nonsense: not decoded, not an anomaly.
    for (const header of ["10000000", "01020304"]) {
      const { packet, anomalies } = decodeFrame(concat(hex(header), IPV4), {
        linkType,
      });
      assert.deepEqual([packet.network, anomalies.total()], ["other", 0]);
    }
  }
});

Deno.test("decodePacket() counts an unsupported link type", () => {
  const { packet, anomalies } = decodeFrame(IPV4, { linkType: 147 });
  assert.deepEqual([packet.network, packet.linkType, packet.anomaly], [
    "other",
    147,
    "link_type_unsupported",
  ]);
  assert.equal(anomalies.count("link_type_unsupported"), 1);
});

Deno.test("decodePacket() marks every cut Ethernet frame truncated", () => {
  const frame = ethernetFrame({
    ...MACS,
    etherType: BUILD_ETHER_TYPE.IPV4,
    vlanIds: [5],
  }, IPV4);
  const names = assertPrefixesTruncated(frame);
  assert.ok(names.has("ethernet_truncated"));
  assert.ok(names.has("vlan_truncated"));
  assert.ok(names.has("ipv4_header_truncated"));
  assert.ok(names.has("ipv4_truncated"));
});
