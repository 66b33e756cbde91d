import assert from "node:assert/strict";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { EngineFeed } from "../detectors/engine_feed.ts";
import { measureReplay, REPLAY_STAGES, replayInto } from "./engine_replay.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);
const HTTP = new URL(
  "benign/http_get_classic_wireshark_sample__http.cap",
  PCAPS,
).pathname;
const SCAN = new URL(
  "attacks/portscan_nmap-sS-F_cloudvm__syn_scan.pcap",
  PCAPS,
).pathname;

async function packetTimes(file: string): Promise<number[]> {
  const times: number[] = [];
  await readPacketFile(file, (packet) => times.push(packet.timestampUs));
  return times;
}

Deno.test("replayInto moves every packet time by the shift and analyses them all", async () => {
  const times = await packetTimes(HTTP);
  const seen: number[] = [];
  const engine = new AnalysisEngine();
  const feed = new EngineFeed(
    engine,
    (packet) => seen.push(packet.timestampUs),
  );
  const first = await replayInto(HTTP, feed, 0, new AnomalyCounter());
  assert.equal(first.firstUs, Math.min(...times));
  assert.equal(first.lastUs, Math.max(...times));
  const shiftUs = first.lastUs - first.firstUs + 1_000_000;
  const second = await replayInto(HTTP, feed, shiftUs, new AnomalyCounter());
  assert.equal(second.firstUs, first.firstUs + shiftUs);
  assert.equal(engine.packets, 2 * times.length);
  assert.deepEqual(seen, [...times, ...times.map((us) => us + shiftUs)]);
  // The second pass starts after the first ended.
  assert.ok(second.firstUs > first.lastUs);
});

Deno.test("measureReplay: every stage sees every packet of the capture", async () => {
  const packets = (await packetTimes(SCAN)).length;
  for (const stage of REPLAY_STAGES) {
    const result = await measureReplay(SCAN, stage);
    assert.equal(result.stage, stage);
    assert.equal(result.packets, packets, stage);
    assert.ok(result.seconds > 0, stage);
    assert.ok(result.minorFaults >= 0, stage);
    assert.ok(result.peakRssBytes > 0, stage);
    assert.equal(result.anomalies, 0, stage);
    if (stage === "engine" || stage === "eve") {
      assert.ok(result.alerts >= 1, `${stage}: the scan is found`);
    }
    if (stage === "eve") {
      // Every record written out: a flow for each of the 100 ports nmap -F
      // probes, and the alert.
      assert.ok(result.eveRecords! > 100, `${result.eveRecords} records`);
      assert.ok(result.eveBytes! > 200 * result.eveRecords!);
    }
  }
});

Deno.test("measureReplay's steady stage times the second pass, whose alerts the first pass already raised", async () => {
  const engine = await measureReplay(SCAN, "engine");
  const steady = await measureReplay(SCAN, "steady");
  assert.equal(steady.packets, engine.packets);
  assert.ok(engine.alerts >= 1);
  // One alert per incident: the same scan again, a second later, is the
  // incident still open, not a new alert.
  assert.equal(steady.alerts, 0);
});
