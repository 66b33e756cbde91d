import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  evidenceLabel,
  formatBitsPerSecond,
  formatEvidence,
  formatSeconds,
} from "./evidence.ts";

/** The evidence as `label: text` lines. */
function shown(evidence: Parameters<typeof formatEvidence>[0]): string[] {
  return formatEvidence(evidence).map(({ label, text }) => `${label}: ${text}`);
}

Deno.test("formatEvidence() labels keys in words and groups counts", () => {
  assertEquals(
    shown({
      failedLogins: 1234567,
      dnsServers: ["10.0.0.1", "10.0.0.2"],
      synAcks: 12,
      uniqueSubdomains: 4096,
    }),
    [
      "Failed logins: 1,234,567",
      "DNS servers: 10.0.0.1, 10.0.0.2",
      "SYN-ACKs: 12",
      "Unique subdomains: 4,096",
    ],
  );
});

Deno.test("formatEvidence() gives bytes, bit rates, durations and shares their units", () => {
  assertEquals(
    shown({
      bytes: 2097682,
      bytesOut: 120836966,
      nameBytes: 512,
      bitsPerSecond: 8933843,
      peakMegabitsPerSecond: 1.5,
      windowUs: 60_000_000,
      floodWindowUs: 250_000,
      durationSeconds: 12.34,
      windowSeconds: 300,
      topServiceShare: 1,
      notDnsShare: 0.875,
      synRatePerSecond: 15000,
      queriesPerMinute: 42.5,
      outboundRatio: 12.3,
    }),
    [
      "Bytes: 2.0 MiB (2,097,682 B)",
      "Bytes out: 115 MiB (120,836,966 B)",
      "Name bytes: 512 B",
      "Bit rate: 8.93 Mbit/s",
      "Peak bit rate: 1.5 Mbit/s",
      "Window: 60 s",
      "Flood window: 250 ms",
      "Duration: 12.3 s",
      "Window: 5 min",
      "Top service share: 100 %",
      "Not DNS share: 87.5 %",
      "SYN rate: 15,000 /s",
      "Queries: 42.5 /min",
      "Bytes out per byte in: 12.3×",
    ],
  );
});

Deno.test("formatEvidence() writes ports whole, not grouped, but groups a count of ports", () => {
  assertEquals(
    shown({
      port: 8080,
      samplePorts: [1025, 8080],
      distinctPorts: 1000,
    }),
    ["Port: 8080", "Sample ports: 1025, 8080", "Distinct ports: 1,000"],
  );
});

Deno.test("formatEvidence() leaves out sentinels, empty values, false qualifiers and the zero of a count that does not apply", () => {
  assertEquals(
    shown({
      service: "FTP",
      failedLogins: 30,
      connections: 0,
      topPort: -1,
      topPortHosts: 0,
      loggedInAt: "",
      servers: [],
      moreServers: false,
      countsAreLowerBounds: true,
      refusedProbes: 0,
      closedPort: false,
    }),
    [
      "Service: FTP",
      "Failed logins: 30",
      "Counts are lower bounds: yes",
      "Refused probes: 0",
      "Closed port: no",
    ],
  );
});

Deno.test("formatEvidence() still shows a key it has no rule for, labelled from its camelCase", () => {
  assertEquals(shown({ someNewFigure: 3.14159, aFlag: true }), [
    "Some new figure: 3.14",
    "A flag: yes",
  ]);
  assertEquals(evidenceLabel("attackerIp"), "Attacker IP");
  assertEquals(evidenceLabel("vlans"), "VLANs");
});

Deno.test("formatBitsPerSecond() uses SI prefixes", () => {
  assertEquals(formatBitsPerSecond(800), "800 bit/s");
  assertEquals(formatBitsPerSecond(12_345), "12.3 kbit/s");
  assertEquals(formatBitsPerSecond(2_000_000_000), "2 Gbit/s");
});

Deno.test("formatSeconds() picks ms, s or minutes", () => {
  assertEquals(formatSeconds(0.0005), "0.5 ms");
  assertEquals(formatSeconds(0), "0 s");
  assertEquals(formatSeconds(119.96), "120 s");
  assertEquals(formatSeconds(3_600), "1 h");
  assertEquals(formatSeconds(600), "10 min");
  assertEquals(formatSeconds(125), "2m 05s");
});
