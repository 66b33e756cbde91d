import assert from "node:assert/strict";
import { dhcpv4Message, udpFrame } from "../frame_builder.ts";
import { prefixLengthOf } from "./dhcpv4.ts";
import { decodeFrame, V4, V6 } from "./test_helpers.ts";

const SERVER = { srcPort: 67, dstPort: 68 };
const CLIENT = { srcPort: 68, dstPort: 67 };
const OFFER = {
  type: 2,
  transactionId: 0x1234,
  clientMac: "02:00:00:00:00:09",
  yourAddress: "192.168.1.50",
  serverId: "192.168.1.1",
  subnetMask: "255.255.255.0",
  routers: ["192.168.1.1", "192.168.1.2"],
  dnsServers: ["192.168.1.1", "9.9.9.9"],
};

/** The DHCP fields of a decoded packet, in a fixed order. */
function dhcpFields(frame: Uint8Array, capturedLength?: number) {
  const { packet } = decodeFrame(
    frame,
    capturedLength === undefined ? {} : { capturedLength },
  );
  return [
    packet.dhcpMessageType,
    packet.dhcpServerId,
    packet.dhcpLeaseAddresses,
    packet.dhcpPrefixLength,
    packet.dhcpRouters,
    packet.dhcpDnsServers,
    packet.dhcpClientMac,
    packet.dhcpRelayAddress,
  ];
}

Deno.test("decodePacket() reads a DHCP offer's address, server, mask, routers and DNS servers", () => {
  const frame = udpFrame(V4, SERVER, dhcpv4Message(OFFER));
  const { anomalies } = decodeFrame(frame);
  assert.equal(anomalies.total(), 0);
  assert.deepEqual(dhcpFields(frame), [
    2,
    "192.168.1.1",
    "192.168.1.50",
    24,
    "192.168.1.1,192.168.1.2",
    "192.168.1.1,9.9.9.9",
    "02:00:00:00:00:09",
    "",
  ]);
  // The message type may come last.
  assert.deepEqual(
    dhcpFields(
      udpFrame(
        V4,
        SERVER,
        dhcpv4Message({ ...OFFER, type: 5, typeLast: true }),
      ),
    ).slice(0, 4),
    [5, "192.168.1.1", "192.168.1.50", 24],
  );
});

Deno.test("decodePacket() reads a client's discover: its type, hardware address and relay agent, not the server's options", () => {
  const discover = dhcpv4Message({
    ...OFFER,
    type: 1,
    relayAddress: "10.9.0.1",
  });
  assert.deepEqual(dhcpFields(udpFrame(V4, CLIENT, discover)), [
    1,
    "192.168.1.1",
    "",
    -1,
    "",
    "",
    "02:00:00:00:00:09",
    "10.9.0.1",
  ]);
});

Deno.test("decodePacket() reads nothing of DHCP without the magic cookie, over IPv6, or between other ports", () => {
  const empty = [-1, "", "", -1, "", "", "", ""];
  const offer = dhcpv4Message(OFFER);
  for (
    const frame of [
      udpFrame(V4, SERVER, dhcpv4Message({ ...OFFER, noCookie: true })),
      udpFrame(V6, SERVER, offer),
      udpFrame(V4, { srcPort: 1067, dstPort: 1068 }, offer),
    ]
  ) assert.deepEqual(dhcpFields(frame), empty);
  // A relay agent's copy to the server (67 to 67) and a server's answer to
  // a relay (67 to 67) are read.
  assert.equal(
    dhcpFields(udpFrame(V4, { srcPort: 67, dstPort: 67 }, offer))[0],
    2,
  );
});

Deno.test("decodePacket() reads a DHCP message as far as the capture and the datagram go, and never past them", () => {
  const message = dhcpv4Message({
    ...OFFER,
    routers: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"],
  });
  const frame = udpFrame(V4, SERVER, message);
  const whole = dhcpFields(frame);
  // Four routers at most.
  assert.equal(whole[4], "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4");
  const headers = 14 + 20 + 8;
  for (let length = headers; length <= frame.length; length++) {
    const cut = dhcpFields(frame, length);
    // What a cut leaves is what the whole message has, or nothing.
    cut.forEach((value, i) =>
      assert.ok(value === whole[i] || value === "" || value === -1)
    );
    if (length < headers + 240) assert.equal(cut[0], -1);
  }
  // An option whose length runs past the datagram ends the reading there.
  const bad = message.slice();
  bad[240 + 3 + 1] = 0xff; // the server identifier's length
  const cut = dhcpFields(udpFrame(V4, SERVER, bad));
  assert.deepEqual(cut.slice(0, 2), [2, ""]);
});

Deno.test("decodePacket() reads an offer's classless static routes (options 121 and 249, RFC 3442), each once, four at most", () => {
  // TunnelVision (CVE-2024-3661): two /1 routes through the server win
  // over the default route.
  const routes = ["0.0.0.0/1 via 192.168.1.66", "128.0.0.0/1 via 192.168.1.66"];
  const packet = decodeFrame(
    udpFrame(V4, SERVER, dhcpv4Message({ ...OFFER, routes })),
  ).packet;
  assert.equal(packet.dhcpRoutes, routes.join(","));
  // Microsoft's option 249 (same format) after 121; a default route; a
  // /32; a width past 32 ends the list.
  const ms = new Uint8Array([
    249,
    15,
    0,
    10,
    0,
    0,
    1,
    32,
    10,
    1,
    2,
    3,
    10,
    0,
    0,
    1,
    33,
  ]);
  const both = decodeFrame(
    udpFrame(
      V4,
      SERVER,
      dhcpv4Message({ ...OFFER, routes: [routes[0]!], rawOptions: ms }),
    ),
  ).packet;
  assert.equal(
    both.dhcpRoutes,
    "0.0.0.0/1 via 192.168.1.66,0.0.0.0/0 via 10.0.0.1,10.1.2.3/32 via 10.0.0.1",
  );
  const many = decodeFrame(
    udpFrame(
      V4,
      SERVER,
      dhcpv4Message({
        ...OFFER,
        routes: [1, 2, 3, 4, 5, 1].map((n) => `10.${n}.0.0/16 via 10.0.0.1`),
      }),
    ),
  ).packet;
  assert.equal(many.dhcpRoutes.split(",").length, 4);
});

Deno.test("decodePacket() joins a list option given twice (RFC 3396), keeps a fixed-length option's first instance, and reads options overloaded into the file field", () => {
  // A second DNS option, a second server identifier and message type.
  const repeated = new Uint8Array([
    6,
    4,
    10,
    6,
    6,
    6,
    54,
    4,
    10,
    6,
    6,
    6,
    53,
    1,
    5,
  ]);
  assert.deepEqual(
    dhcpFields(
      udpFrame(V4, SERVER, dhcpv4Message({ ...OFFER, rawOptions: repeated })),
    ).slice(0, 6),
    [
      2,
      "192.168.1.1",
      "192.168.1.50",
      24,
      "192.168.1.1,192.168.1.2",
      "192.168.1.1,9.9.9.9,10.6.6.6",
    ],
  );
  // Option 52 = 1: the file field holds the routers and DNS servers.
  const fileField = new Uint8Array([
    3,
    4,
    10,
    66,
    0,
    1,
    6,
    4,
    10,
    66,
    0,
    1,
    255,
  ]);
  const overloaded = dhcpv4Message({
    type: 2,
    transactionId: 1,
    clientMac: OFFER.clientMac,
    yourAddress: "10.66.0.9",
    serverId: "10.66.0.1",
    fileField,
    rawOptions: new Uint8Array([52, 1, 1]),
  });
  assert.deepEqual(
    dhcpFields(udpFrame(V4, SERVER, overloaded)).slice(0, 6),
    [2, "10.66.0.1", "10.66.0.9", -1, "10.66.0.1", "10.66.0.1"],
  );
  // Without option 52 the file field is a file name, not options.
  const plain = dhcpv4Message({
    type: 2,
    transactionId: 1,
    clientMac: OFFER.clientMac,
    fileField,
  });
  assert.deepEqual(
    dhcpFields(udpFrame(V4, SERVER, plain)).slice(4, 6),
    ["", ""],
  );
});

Deno.test("decodePacket() reads who a client is: its address when renewing, its client identifier, a hardware address that is not a MAC", () => {
  const read = (options: Partial<Parameters<typeof dhcpv4Message>[0]>) => {
    const { packet } = decodeFrame(
      udpFrame(
        V4,
        CLIENT,
        dhcpv4Message({
          type: 3,
          transactionId: 1,
          clientMac: OFFER.clientMac,
          ...options,
        }),
      ),
    );
    return [
      packet.dhcpClientMac,
      packet.dhcpClientAddress,
      packet.dhcpClientId,
    ];
  };
  assert.deepEqual(read({ clientAddress: "192.168.1.50" }), [
    OFFER.clientMac,
    "192.168.1.50",
    "",
  ]);
  assert.deepEqual(
    read({ clientId: new Uint8Array([1, 2, 0, 0, 0, 0, 9]) }),
    [OFFER.clientMac, "", "id:01020000000009"],
  );
  // InfiniBand-like: type 32, 16 bytes (chaddr's whole field).
  assert.deepEqual(read({ hardwareType: 32, hardwareLength: 16 }), [
    "",
    "",
    "hw32:02000000000900000000000000000000",
  ]);
  // A length past chaddr's 16 bytes reads 16.
  assert.equal(
    read({ hardwareType: 6, hardwareLength: 200 })[2]!.length,
    4 + 32,
  );
});

Deno.test("prefixLengthOf() reads contiguous masks only", () => {
  assert.deepEqual(
    [0xffffff00, 0xffffffff, 0, 0xfffffc00, 0xff00ff00, -1].map(
      prefixLengthOf,
    ),
    [24, 32, 0, 22, -1, -1],
  );
});
