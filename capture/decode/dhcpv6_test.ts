import assert from "node:assert/strict";
import { dhcpv6Message, duidOfMac, udpFrame } from "../frame_builder.ts";
import { concat, decodeFrame, V4, V6 } from "./test_helpers.ts";

const SERVER = { srcPort: 547, dstPort: 546 };

Deno.test("decodePacket() reads a DHCPv6 advertise's server, leases and DNS servers", () => {
  const message = dhcpv6Message({
    type: 2,
    transactionId: 0x123456,
    clientDuid: duidOfMac("02:00:00:00:00:01"),
    serverDuid: duidOfMac("08:00:27:c3:5a:42"),
    leases: ["fe80::100:0:0:1"],
    dnsServers: ["fe80::a00:27ff:fec3:5a42", "2001:db8::53"],
  });
  const { packet, anomalies } = decodeFrame(udpFrame(V6, SERVER, message));
  assert.equal(anomalies.total(), 0);
  assert.deepEqual(
    [
      packet.dhcpMessageType,
      packet.dhcpServerId,
      packet.dhcpLeaseAddresses,
      packet.dhcpDnsServers,
    ],
    [
      2,
      "00:03:00:01:08:00:27:c3:5a:42",
      "fe80::100:0:0:1",
      "fe80::a00:27ff:fec3:5a42,2001:db8::53",
    ],
  );
});

Deno.test("decodePacket() reads only the type of a client's message, and nothing of DHCPv6 over IPv4 or between other ports", () => {
  const solicit = dhcpv6Message({
    type: 1,
    transactionId: 7,
    clientDuid: duidOfMac("02:00:00:00:00:01"),
    // A client's message with a server's options: not read.
    leases: ["2001:db8::1"],
  });
  const client = decodeFrame(
    udpFrame(V6, { srcPort: 546, dstPort: 547 }, solicit),
  ).packet;
  assert.deepEqual(
    [client.dhcpMessageType, client.dhcpLeaseAddresses],
    [1, ""],
  );
  const advertise = dhcpv6Message({
    type: 2,
    transactionId: 7,
    leases: ["2001:db8::1"],
  });
  for (
    const packet of [
      decodeFrame(udpFrame(V4, SERVER, advertise)).packet,
      decodeFrame(udpFrame(V6, { srcPort: 5470, dstPort: 5460 }, advertise))
        .packet,
    ]
  ) {
    assert.deepEqual([packet.dhcpMessageType, packet.dhcpLeaseAddresses], [
      -1,
      "",
    ]);
  }
});

Deno.test("decodePacket() reads a DHCPv6 message as far as the capture and the datagram go, and never past them", () => {
  const message = dhcpv6Message({
    type: 7,
    transactionId: 9,
    serverDuid: duidOfMac("08:00:27:c3:5a:42"),
    leases: [
      "2001:db8::1",
      "2001:db8::2",
      "2001:db8::3",
      "2001:db8::4",
      "2001:db8::5",
    ],
    dnsServers: ["2001:db8::53"],
  });
  const frame = udpFrame(V6, SERVER, message);
  const whole = decodeFrame(frame).packet;
  // Four addresses at most.
  assert.equal(
    whole.dhcpLeaseAddresses,
    "2001:db8::1,2001:db8::2,2001:db8::3,2001:db8::4",
  );
  const headers = 14 + 40 + 8;
  let previous = "";
  for (let length = headers; length <= frame.length; length++) {
    const { packet } = decodeFrame(frame, { capturedLength: length });
    // What a cut leaves is what the whole message starts with.
    for (const field of ["dhcpServerId", "dhcpDnsServers"] as const) {
      assert.ok(packet[field] === "" || packet[field] === whole[field]);
    }
    assert.ok(whole.dhcpLeaseAddresses.startsWith(packet.dhcpLeaseAddresses));
    previous = packet.dhcpLeaseAddresses;
  }
  assert.equal(previous, whole.dhcpLeaseAddresses);
  // An option whose length runs past the datagram ends the reading there.
  const bad = message.slice();
  bad[4 + 2] = 0xff;
  const cut = decodeFrame(udpFrame(V6, SERVER, bad)).packet;
  assert.deepEqual([cut.dhcpMessageType, cut.dhcpServerId], [7, ""]);
});

Deno.test("decodePacket() reads an answer to the client's port from any port, as clients take it (THC's fake_dhcps6)", () => {
  const advertise = dhcpv6Message({
    type: 2,
    transactionId: 7,
    leases: ["fe80::100:0:0:0"],
  });
  const packet = decodeFrame(
    udpFrame(V6, { srcPort: 39249, dstPort: 546 }, advertise),
  ).packet;
  assert.deepEqual([packet.dhcpMessageType, packet.dhcpLeaseAddresses], [
    2,
    "fe80::100:0:0:0",
  ]);
});

Deno.test("decodePacket() lists a DHCPv6 answer's link-local leases first, and leaves out ended and refused ones", () => {
  const leasesOf = (options: Partial<Parameters<typeof dhcpv6Message>[0]>) =>
    decodeFrame(
      udpFrame(
        V6,
        SERVER,
        dhcpv6Message({ type: 7, transactionId: 1, ...options }),
      ),
    ).packet.dhcpLeaseAddresses;
  // A link-local lease behind four others is not crowded out.
  assert.equal(
    leasesOf({
      leases: ["fd00::1", "fd00::2", "fd00::3", "fd00::4", "fe80::1:1"],
    }),
    "fe80::1:1,fd00::1,fd00::2,fd00::3",
  );
  // A server ending mitm6's lease (valid lifetime 0, RFC 8415 section
  // 18.3.5), or refusing one (a status code other than success): no lease.
  assert.equal(leasesOf({ leases: ["fe80::1:1"], validLifetimeS: 0 }), "");
  assert.equal(leasesOf({ leases: ["fe80::1:1"], iaStatusCode: 2 }), "");
  assert.equal(
    leasesOf({ leases: ["fe80::1:1"], iaStatusCode: 0 }),
    "fe80::1:1",
  );
});

Deno.test("decodePacket() reads no DHCPv6 option past the datagram, nor an IA's option past the IA", () => {
  const message = dhcpv6Message({ type: 7, transactionId: 1 });
  const ia = dhcpv6Message({ type: 7, transactionId: 1, leases: ["fe80::1:1"] })
    .subarray(4);
  // The IA after the UDP datagram's end, inside the IPv6 payload.
  const frame = concat(udpFrame(V6, SERVER, message), ia);
  const payloadLength = frame.length - 14 - 40;
  frame[14 + 4] = payloadLength >> 8;
  frame[14 + 5] = payloadLength & 0xff;
  const beyond = decodeFrame(frame).packet;
  assert.deepEqual([beyond.dhcpMessageType, beyond.dhcpLeaseAddresses], [
    7,
    "",
  ]);
  // An IA that ends right after its address option's header, which claims
  // 24 bytes: nothing read past the IA (nor the capture).
  const header = new Uint8Array([0, 5, 0, 24]);
  const shortIa = concat(
    new Uint8Array([7, 0, 0, 1, 0, 3, 0, 16]),
    new Uint8Array(12),
    header,
  );
  const { packet } = decodeFrame(
    concat(udpFrame(V6, SERVER, shortIa), new Uint8Array(24).fill(0xff)),
  );
  assert.equal(packet.dhcpLeaseAddresses, "");
});
