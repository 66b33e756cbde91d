import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { AnalysisEngine, MAX_BATCH_PACKETS } from "./engine.ts";
import { DEFAULT_BATCH_PACKETS, EngineFeed } from "./engine_feed.ts";
import { T0, tcpPacket } from "./test_packets.ts";

const CAPTURE = new URL(
  "../../shared/pcaps/attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng",
  import.meta.url,
).pathname;

Deno.test("EngineFeed analyses full batches, and the rest on flush, each packet once and in order", async () => {
  const engine = new AnalysisEngine();
  const seen: number[] = [];
  const indices: number[] = [];
  const feed = new EngineFeed(engine, (packet, index) => {
    seen.push(packet.timestampUs);
    indices.push(index);
  }, 100);
  const read: number[] = [];
  let chunks = 0;
  await readPacketFile(CAPTURE, (packet) => {
    read.push(packet.timestampUs);
    feed.add(packet);
    assert.ok(feed.pending < 100);
  }, {
    record: feed.record,
    onChunkEnd: () => chunks++,
  });
  assert.ok(chunks >= 1);
  // 1 994 SYNs and their answers: not a multiple of 100.
  assert.equal(read.length % 100 !== 0, true);
  assert.equal(engine.packets, read.length - feed.pending);
  feed.flush();
  assert.equal(feed.pending, 0);
  assert.equal(engine.packets, read.length);
  assert.deepEqual(seen, read);
  assert.deepEqual(indices, read.map((_, i) => i % 100));
  feed.flush(); // nothing left: a no-op
  assert.equal(engine.packets, read.length);
  engine.finish();
  assert.deepEqual(engine.alerts().map((alert) => alert.kind), ["port_scan"]);
});

Deno.test("EngineFeed analyses what a live source's chunk held when it ends", async () => {
  const engine = new AnalysisEngine();
  const feed = new EngineFeed(engine);
  let packets = 0;
  await readPacketFile(CAPTURE, (packet) => {
    packets++;
    feed.add(packet);
  }, {
    record: feed.record,
    // What live sources do: flush whenever the source pauses.
    onChunkEnd: () => {
      feed.flush();
      assert.equal(engine.packets, packets);
    },
  });
  assert.equal(feed.pending, 0);
});

Deno.test("EngineFeed takes only packets decoded into its own records", () => {
  const feed = new EngineFeed(new AnalysisEngine());
  assert.throws(
    () =>
      feed.add(
        tcpPacket({
          atUs: T0,
          flags: 2,
          src: "10.0.0.1",
          dst: "10.0.0.2",
          srcPort: 1024,
          dstPort: 80,
        }),
      ),
    /not decoded into the feed's record/,
  );
});

Deno.test("EngineFeed's batch size is checked", () => {
  const engine = new AnalysisEngine();
  assert.ok(DEFAULT_BATCH_PACKETS <= MAX_BATCH_PACKETS);
  for (const size of [0, 1.5, MAX_BATCH_PACKETS + 1]) {
    assert.throws(() => new EngineFeed(engine, undefined, size), RangeError);
  }
  new EngineFeed(engine, undefined, MAX_BATCH_PACKETS);
});
