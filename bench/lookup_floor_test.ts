import assert from "node:assert/strict";
import { addressKey } from "../capture/decode/address_key.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { emptyPacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import { tcpPacket, udpPacket } from "../detectors/test_packets.ts";
import { LookupFloor } from "./lookup_floor.ts";

const A = "10.0.0.1";
const B = "10.0.0.2";
const C = "2001:db8::3";

Deno.test("LookupFloor counts both directions of a flow in one entry, and each host", () => {
  const floor = new LookupFloor();
  floor.observe(
    tcpPacket({
      src: A,
      dst: B,
      srcPort: 40000,
      dstPort: 80,
      atUs: 1,
      flags: TCP_FLAGS.SYN,
    }),
  );
  floor.observe(
    tcpPacket({
      src: B,
      dst: A,
      srcPort: 80,
      dstPort: 40000,
      atUs: 2,
      flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK,
    }),
  );
  floor.observe(
    udpPacket({ src: A, dst: C, srcPort: 5353, dstPort: 53, atUs: 3 }),
  );
  // No addresses (a frame the decoder could not place): skipped.
  floor.observe(emptyPacketRecord());
  const [a, b, c] = [A, B, C].map(addressKey) as [number, number, number];
  assert.equal(floor.flowPackets(a, 40000, b, 80), 2);
  assert.equal(floor.flowPackets(b, 80, a, 40000), 2);
  assert.equal(floor.flowPackets(a, 40000, b, 81), 0);
  assert.equal(floor.flowPackets(c, 53, a, 5353), 1);
  assert.equal(floor.hostPackets(a), 3);
  assert.equal(floor.hostPackets(b), 2);
  assert.equal(floor.hostPackets(c), 1);
  assert.deepEqual(floor.sizes, { flows: 2, hosts: 3 });
  assert.equal(floor.lookups, 9);
});

Deno.test("LookupFloor stays within its capacities, reusing evicted entries", () => {
  const floor = new LookupFloor({ maxFlows: 4, maxHosts: 6 });
  for (let i = 0; i < 100; i++) {
    floor.observe(
      udpPacket({
        src: `10.1.0.${i}`,
        dst: B,
        srcPort: 1000 + i,
        dstPort: 53,
        atUs: i,
      }),
    );
  }
  assert.deepEqual(floor.sizes, { flows: 4, hosts: 6 });
  // The newest flow is held with one packet; the destination host with all.
  const last = addressKey("10.1.0.99");
  assert.equal(floor.flowPackets(last, 1099, addressKey(B), 53), 1);
  assert.equal(floor.hostPackets(addressKey(B)), 100);
  assert.equal(floor.hostPackets(addressKey("10.1.0.0")), 0);
});

Deno.test("LookupFloor over a real capture makes three lookups per IP packet", async () => {
  const file = new URL(
    "../../shared/pcaps/benign/http_get_classic_wireshark_sample__http.cap",
    import.meta.url,
  ).pathname;
  const floor = new LookupFloor();
  let ipPackets = 0;
  await readPacketFile(file, (packet) => {
    if (packet.srcAddressKey >= 0 && packet.dstAddressKey >= 0) ipPackets++;
    floor.observe(packet);
  });
  assert.ok(ipPackets > 0);
  assert.equal(floor.lookups, 3 * ipPackets);
  // http.cap: one client talking to a web server and a DNS resolver.
  assert.ok(floor.sizes.flows >= 2, JSON.stringify(floor.sizes));
  assert.ok(floor.sizes.hosts >= 3, JSON.stringify(floor.sizes));
});
