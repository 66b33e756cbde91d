import assert from "node:assert/strict";
import { keptText, plainPacket } from "../capture/decoded_packet.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { readPacketFile, reusedRecord } from "../capture/packet_source.ts";
import { FrameRing, type FrameRingOptions } from "./frame_ring.ts";
import { type PacketRow, toPacketRow } from "./packet_row.ts";
import { RecentPackets } from "./recent_packets.ts";

const HTTP_CAP = new URL(
  "../../shared/pcaps/benign/http_get_classic_wireshark_sample__http.cap",
  import.meta.url,
).pathname;

/** Feeds the capture as the sensor does (one reused record), keeping plain copies of every packet as decoded then. */
async function feed(
  capacity: number,
  frameOptions: FrameRingOptions = {},
): Promise<{ recent: RecentPackets; decoded: PacketRecord[] }> {
  const frames = new FrameRing(frameOptions);
  const recent = new RecentPackets(capacity, frames);
  const decoded: PacketRecord[] = [];
  await readPacketFile(HTTP_CAP, (packet, raw) => {
    decoded.push(plainPacket(packet));
    const sequence = frames.add(
      raw,
      keptText(packet.srcAddressKey, packet, true),
      keptText(packet.dstAddressKey, packet, false),
      packet.srcAddressKey,
      packet.dstAddressKey,
    );
    recent.add(decoded.length, sequence);
  }, { record: reusedRecord() });
  return { recent, decoded };
}

/** Rows of packets `from`..`to` (numbers from 1), newest first. */
function rowsOf(
  decoded: PacketRecord[],
  from: number,
  to: number,
): PacketRow[] {
  const rows: PacketRow[] = [];
  for (let n = to; n >= from; n--) rows.push(toPacketRow(n, decoded[n - 1]!));
  return rows;
}

Deno.test("RecentPackets gives back the last packets as they were decoded, from the frame ring's copies", async () => {
  const { recent, decoded } = await feed(20);
  assert.equal(decoded.length, 43);
  assert.equal(recent.size, 20);
  for (let n = 1; n <= 43; n++) {
    assert.deepEqual(
      recent.get(n),
      n > 23 ? decoded[n - 1] : undefined,
      `${n}`,
    );
  }
  assert.deepEqual(recent.query({ limit: 100 }), rowsOf(decoded, 24, 43));
  assert.deepEqual(recent.query({ limit: 3 }), rowsOf(decoded, 41, 43));
});

Deno.test("RecentPackets filters rows by protocol, addresses and text", async () => {
  const { recent, decoded } = await feed(100);
  const all = rowsOf(decoded, 1, 43);
  const http = recent.query({ limit: 100, protocol: "HTTP" });
  assert.ok(http.length > 0);
  assert.deepEqual(
    http,
    all.filter((r) => r.protocol.toLowerCase() === "http"),
  );
  const server = decoded.find((p) => p.dstPort === 80)!.dstAddress;
  assert.deepEqual(
    recent.query({ limit: 100, dst: server }),
    all.filter((r) => r.dst === server),
  );
  const dnsQueries = recent.query({
    limit: 100,
    protocol: "udp",
    q: "DNS query",
  });
  assert.ok(dnsQueries.length > 0);
  assert.deepEqual(
    dnsQueries,
    all.filter((r) => r.info.startsWith("DNS query")),
  );
});

Deno.test("RecentPackets forgets a packet once the frame ring has dropped its frame", async () => {
  // The frame ring holds 10 frames, fewer than the 20 packets asked for.
  const { recent, decoded } = await feed(20, { maxFrames: 10 });
  assert.equal(recent.get(33), undefined);
  assert.deepEqual(recent.get(34), decoded[33]);
  assert.deepEqual(recent.query({ limit: 100 }), rowsOf(decoded, 34, 43));
});

Deno.test("RecentPackets gives a fetched row the latency its packet completed, as the stream's row had it", async () => {
  const { recent, decoded } = await feed(20);
  recent.setLatency(40, 36_185);
  // Packet 10 is gone: its latency with it.
  recent.setLatency(10, 1_000);
  const rows = recent.query({ limit: 100 });
  const measured = rows.filter((row) => row.latencyMs !== undefined);
  assert.deepEqual(measured.map((row) => [row.n, row.latencyMs]), [[
    40,
    36.185,
  ]]);
  assert.deepEqual(rows.find((row) => row.n === 40), {
    ...toPacketRow(40, decoded[39]!, 36_185),
  });
  recent.clear();
  assert.deepEqual(recent.query({ limit: 100 }), []);
});
