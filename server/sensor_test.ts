import assert from "node:assert/strict";
import { EventBus } from "./event_bus.ts";
import type { SensorEvent } from "./events.ts";
import type { PacketRow } from "./packet_row.ts";
import { Sensor } from "./sensor.ts";

const HTTP_CAP = new URL(
  "../../shared/pcaps/benign/http_get_classic_wireshark_sample__http.cap",
  import.meta.url,
).pathname;

Deno.test("Sensor streams rows with the latency they complete, and keeps streamed rows' records", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const bus = new EventBus<SensorEvent>();
  const rows: PacketRow[] = [];
  const statuses: string[] = [];
  bus.subscribe((event) => {
    if (event.type === "packet") rows.push(...event.rows);
    if (event.type === "status") statuses.push(event.message);
  });
  const sensor = new Sensor(bus, { dataDir, packetRingSize: 5 });
  try {
    await sensor.start({ mode: "replay", file: HTTP_CAP });
    for (let i = 0; i < 200 && sensor.running; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(sensor.session?.packets, 43);
    assert.equal(rows.length, 43, "a small capture is streamed whole");
    const dnsAnswer = rows.find((r) => r.info.startsWith("DNS response"));
    assert.ok(dnsAnswer?.latencyMs !== undefined && dnsAnswer.latencyMs > 0);
    const synAck = rows.find((r) => r.flags === "S.");
    assert.ok(
      synAck?.latencyMs !== undefined,
      "the SYN/ACK completes a handshake",
    );
    assert.equal(rows.find((r) => r.n === 1)?.latencyMs, undefined);
    // Only 5 packets are in the recent ring, but every streamed row's record is kept.
    assert.equal(sensor.packets.size, 5);
    assert.equal(sensor.packetRecord(1)?.transport, "tcp");
    sensor.clear();
    assert.equal(sensor.packetRecord(1), undefined);
    assert.ok(statuses.at(-1)?.startsWith("Cleared"));
  } finally {
    await sensor.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
