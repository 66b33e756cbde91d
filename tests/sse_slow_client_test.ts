/**
 * A client that never reads its stream while 50k packets flow: its queue
 * stays bounded, capture is not slowed, and a reading client still gets
 * every alert, every status event and an account of every packet.
 */

import assert from "node:assert/strict";
import { writeMixedCapture } from "../bench/mixed_capture.ts";
import { startServer } from "../server/mod.ts";
import { readSse } from "./sse_client.ts";

const PACKETS = 50_000;
const MAX_PACKET_BATCHES = 8;

Deno.test("a slow SSE client stays bounded and others get everything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-slow-" });
  const file = `${dir}/mixed.pcap`;
  await writeMixedCapture(file, { packets: PACKETS, hosts: 2_000, seed: 7 });
  const server = await startServer({
    port: 0,
    dataDir: `${dir}/data`,
    version: "slow",
    stream: { maxPacketBatches: MAX_PACKET_BATCHES },
  });
  try {
    // The slow client: connected, never reads a byte.
    const slow = await fetch(`${server.url}/api/stream`);
    assert.equal(slow.status, 200);
    const fast = await fetch(`${server.url}/api/stream`);
    const reading = readSse(
      fast,
      (event) => event.event === "status" && event.data.state === "stopped",
    );
    for (let i = 0; i < 100 && server.hub.clients < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(server.hub.clients, 2);

    let largestQueue = 0;
    const sampler = setInterval(() => {
      largestQueue = Math.max(largestQueue, ...server.hub.queueSizes());
    }, 5);
    const started = await fetch(`${server.url}/api/start`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ mode: "replay", file }),
    });
    assert.equal(started.status, 201);
    await started.body?.cancel();
    const events = await reading;
    clearInterval(sampler);

    const session = server.sensor.session!;
    assert.equal(session.packets, PACKETS, "capture saw every packet");
    const accounted = events.filter((e) => e.event === "packet")
      .reduce((sum, e) => sum + e.data.rows.length + e.data.skipped, 0);
    assert.equal(
      accounted,
      PACKETS,
      "the reading client is told of every packet",
    );
    const alertEvents = events.filter((e) => e.event === "alert").length;
    const engaged = server.sensor.alerts().length;
    assert.ok(alertEvents >= engaged, "every alert reached the reading client");
    // Bounded: packet batches, one stats event, alert and status events.
    const bound = MAX_PACKET_BATCHES + 1 + alertEvents + 4;
    assert.ok(
      largestQueue <= bound,
      `largest queue ${largestQueue} > ${bound}`,
    );
    const slowQueue = server.hub.queueSizes();
    assert.ok(slowQueue.every((size) => size <= bound));
    await slow.body?.cancel();
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
