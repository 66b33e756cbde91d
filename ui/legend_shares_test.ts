import assert from "node:assert/strict";
import type { ProtocolShare } from "../detectors/stats/traffic_stats.ts";
import { legendShares } from "./legend_shares.ts";

function share(
  name: string,
  bytesPercent: number,
  packetsPercent = bytesPercent,
): ProtocolShare {
  return {
    name: name as ProtocolShare["name"],
    packets: 1,
    dataPackets: 1,
    bytes: 1,
    packetsPercent,
    bytesPercent,
  };
}

Deno.test("legendShares() leaves out services whose share reads 0.0 %, unless hidden", () => {
  const shares = [
    share("HTTPS/TLS", 80, 40),
    share("DNS", 19.96, 59.96),
    share("ARP", 0.04, 0.04),
    share("NTP", 0.001, 0.05),
  ];
  const bytes = legendShares(shares, "bytes", new Set());
  assert.deepEqual(bytes.listed.map((s) => s.name), ["HTTPS/TLS", "DNS"]);
  assert.equal(bytes.omitted, 2);
  const packets = legendShares(shares, "packets", new Set());
  assert.deepEqual(packets.listed.map((s) => s.name), [
    "HTTPS/TLS",
    "DNS",
    "NTP",
  ]);
  const hidden = legendShares(shares, "bytes", new Set(["ARP"]));
  assert.deepEqual(hidden.listed.map((s) => s.name), [
    "HTTPS/TLS",
    "DNS",
    "ARP",
  ]);
});

Deno.test("legendShares() lists twelve at most and counts the rest", () => {
  const many = Array.from({ length: 15 }, (_, i) => share(`S${i}`, 5));
  const legend = legendShares(many, "bytes", new Set());
  assert.equal(legend.listed.length, 12);
  assert.equal(legend.omitted, 3);
});
