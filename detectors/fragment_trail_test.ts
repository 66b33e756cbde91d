import assert from "node:assert/strict";
import { ipv6Packet, udpDatagram } from "../capture/frame_builder.ts";
import { LINK_TYPE } from "../capture/pcap_record.ts";
import {
  concat,
  decodeFrame,
  fragmentFrames,
  hex,
  V4,
} from "../capture/decode/test_helpers.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { FRAGMENT_TRAIL_DEFAULTS, FragmentTrail } from "./fragment_trail.ts";

/** The decoded fragments (1 480 bytes each) of a 3 000-byte UDP datagram from `src` with identification `id`, at `atUs`. */
function fragments(id: number, atUs = 0, src: string = V4.src): PacketRecord[] {
  const datagram = udpDatagram(
    { src, dst: V4.dst, srcPort: 53, dstPort: 40000 },
    new Uint8Array(3000),
  );
  return fragmentFrames(17, datagram, 1480, { src, dst: V4.dst }, id).map(
    (frame) => decodeFrame(frame, { timestampUs: atUs }).packet,
  );
}

Deno.test("FragmentTrail gives later fragments what their datagram's first one noted, and nothing to others", () => {
  const trail = new FragmentTrail();
  const [first, second, third] = fragments(7);
  assert.deepEqual(
    [first!.fragmentId, second!.fragmentId, second!.laterFragment],
    [7, 7, true],
  );
  trail.note(first!, 42);
  assert.equal(trail.valueOf(second!), 42);
  assert.equal(trail.valueOf(third!), 42);
  // Another datagram (identification, source) was never noted.
  assert.equal(trail.valueOf(fragments(8)[1]!), -1);
  assert.equal(trail.valueOf(fragments(7, 0, "10.0.0.9")[1]!), -1);
  // A later datagram with the same key replaces it.
  trail.note(fragments(7, 10)[0]!, 43);
  assert.equal(trail.valueOf(second!), 43);
  assert.equal(trail.stats().size, 1);
});

Deno.test("FragmentTrail forgets a datagram past its age limit and past its capacity", () => {
  const trail = new FragmentTrail({ capacity: 2 });
  const maxAgeUs = FRAGMENT_TRAIL_DEFAULTS.maxAgeUs;
  trail.note(fragments(1, 0)[0]!, 1);
  assert.equal(trail.valueOf(fragments(1, maxAgeUs)[1]!), 1);
  assert.equal(trail.valueOf(fragments(1, maxAgeUs + 1)[1]!), -1);
  assert.equal(trail.stats().size, 0);
  for (const id of [1, 2, 3]) trail.note(fragments(id, 0)[0]!, id);
  assert.deepEqual(
    [1, 2, 3].map((id) => trail.valueOf(fragments(id, 0)[1]!)),
    [-1, 2, 3],
  );
});

Deno.test("FragmentTrail keys an IPv6 datagram by its identification, whatever headers follow the Fragment header", () => {
  // The first fragment: Fragment (next: destination options), destination
  // options (next: UDP), UDP; a later one names destination options.
  const src = "2001:db8::1";
  const dst = "2001:db8::2";
  const udp = udpDatagram(
    { src, dst, srcPort: 53, dstPort: 40000 },
    new Uint8Array(64),
  );
  const first = decodeFrame(
    ipv6Packet(
      { src, dst, nextHeader: 44 },
      concat(hex("3c 00 0001 00abcdef"), hex("11 00 0104 00000000"), udp),
    ),
    { linkType: LINK_TYPE.IPV6 },
  ).packet;
  const later = decodeFrame(
    ipv6Packet(
      { src, dst, nextHeader: 44 },
      concat(hex("3c 00 0058 00abcdef"), new Uint8Array(40)),
    ),
    { linkType: LINK_TYPE.IPV6 },
  ).packet;
  assert.deepEqual(
    [first.ipProtocol, later.ipProtocol, later.laterFragment],
    [17, 60, true],
  );
  const trail = new FragmentTrail();
  trail.note(first, 5);
  assert.equal(trail.valueOf(later), 5);
});

Deno.test("FragmentTrail stays within its capacity under a flood of datagrams, and says so", () => {
  const trail = new FragmentTrail({ capacity: 256 });
  const first = fragments(0)[0]!;
  for (let id = 0; id < 10_000; id++) {
    first.fragmentId = id;
    trail.note(first, id);
  }
  assert.deepEqual(trail.stats(), {
    size: 256,
    capacity: 256,
    evictions: 10_000 - 256,
  });
  // The newest are the ones kept.
  const later = fragments(9_999)[1]!;
  assert.equal(trail.valueOf(later), 9_999);
  later.fragmentId = 0;
  assert.equal(trail.valueOf(later), -1);
});
