/**
 * Accuracy on real captures: every capture listed in ../shared/pcaps/truth.json
 * runs through the whole analysis engine; each expected alert kind must be
 * found with the expected attacker (and victim where given), no other alert
 * may be raised, and captures marked "none" must raise no alert at all
 * (but for the alerts of newer kinds that `ADDED_TRUTH` adds, with its
 * reasons); `NEW_TRUTH` adds captures that truth.json leaves out. Prints
 * file → expected → found.
 * Replaying a capture twice, once in batches (as NetMirror does) and once a
 * packet at a time, gives identical alerts, lifecycle events in the same
 * order (with each packet's own step after its events), stats and latencies.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import type { Alert } from "../detectors/alert.ts";
import type { AlertEvent } from "../detectors/alert_lifecycle.ts";
import { AnalysisEngine, type EngineConfig } from "../detectors/engine.ts";
import { EngineFeed } from "../detectors/engine_feed.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

interface TruthExpectation {
  kind: string;
  src?: string;
  dst?: string;
  notes?: string;
}

interface TruthEntry {
  file: string;
  expect: TruthExpectation[];
  config?: { "home_net"?: string[]; "exfil_min_bytes"?: number };
}

const TRUTH: TruthEntry[] = JSON.parse(
  await Deno.readTextFile(new URL("truth.json", PCAPS)),
);

/**
 * Truth entries we believe are wrong, with the evidence. They are run and
 * reported, and expected to disagree; none so far.
 */
const DISPUTED_TRUTH: Record<string, string> = {};

/**
 * Alerts the project expects beyond truth.json, of kinds it was written
 * without: each replaces a capture's "none" (no other alert may be raised
 * there still). The FTP brute force capture's notes say "brute force is not
 * one of the sensor's kinds"; it is now (detectors/brute_force.ts), and
 * the capture's 705 refusals (530 Login incorrect) to one client make one.
 */
const ADDED_TRUTH: Record<string, TruthExpectation[]> = {
  "attacks/bruteforce_ftp_1400conns_not_flood__ftp-crack.pcap": [{
    kind: "brute_force",
    src: "10.234.125.254",
    dst: "10.121.70.151",
    notes: "FTP password guessing: 705 logins refused with 530 in 44.6 s",
  }],
};

for (const [file, added] of Object.entries(ADDED_TRUTH)) {
  const entry = TRUTH.find((candidate) => candidate.file === file);
  assert.ok(entry, `${file} of ADDED_TRUTH is in truth.json`);
  assert.ok(
    entry.expect.every((e) => e.kind === "none"),
    `${file}: truth.json now expects alerts; ADDED_TRUTH should go`,
  );
  entry.expect = added;
}

/**
 * Captures that truth.json leaves out (MANIFEST.md: "no clear verdict for
 * these kinds", reflection DDoS among them), with the alerts the project
 * expects of them since it has a kind for them: both reflection captures
 * flood 10.10.10.10 with replies it never asked for, from thousands of
 * servers (SYN/ACKs) and from 63 resolvers (DNS answers, mostly in IP
 * fragments). The attacker is named by no one: its requests were spoofed.
 */
const NEW_TRUTH: Record<string, TruthExpectation[]> = {
  "attacks/synack_reflection_flood_backscatter__amp.TCP.reflection.SYNACK.pcap":
    [{
      kind: "reflection_flood",
      src: "",
      dst: "10.10.10.10",
      notes: "6 651 SYN/ACKs from 6 035 servers in 0.15 s, no SYN before",
    }],
  "formats/ipfrag_dns_amplification_RRSIG_fragments__amp.dns.RRSIG.fragmented.pcap":
    [{
      kind: "reflection_flood",
      src: "",
      dst: "10.10.10.10",
      notes: "1.6 MB of DNS answers (RRSIG) from 63 resolvers in 30 s",
    }],
};

for (const [file, expect] of Object.entries(NEW_TRUTH)) {
  assert.ok(
    !TRUTH.some((candidate) => candidate.file === file),
    `${file}: truth.json has it now; NEW_TRUTH should go`,
  );
  TRUTH.push({ file, expect });
}

function engineConfig(entry: TruthEntry): EngineConfig {
  const config: EngineConfig = {};
  if (entry.config?.home_net) config.homeNet = entry.config.home_net;
  if (entry.config?.exfil_min_bytes !== undefined) {
    config.dataExfil = { exfilMinBytes: entry.config.exfil_min_bytes };
  }
  return config;
}

/** Everything one replay of a capture produced. */
interface Replay {
  alerts: Alert[];
  /** Lifecycle events, each packet's number after its own events. */
  events: (AlertEvent | number)[];
  stats: unknown;
  latency: unknown;
}

/** First replays, by file, for the determinism test. */
const REPLAYS = new Map<string, Replay>();

/** Replays a capture in batches through an {@linkcode EngineFeed}, or a packet at a time with `observe` when `oneAtATime`. */
async function replay(entry: TruthEntry, oneAtATime = false): Promise<Replay> {
  const events: (AlertEvent | number)[] = [];
  const engine = new AnalysisEngine(
    engineConfig(entry),
    (event) => events.push(event),
  );
  let analysed = 0;
  const path = new URL(entry.file, PCAPS).pathname;
  if (oneAtATime) {
    await readPacketFile(path, (packet) => {
      engine.observe(packet);
      events.push(++analysed);
    });
  } else {
    const feed = new EngineFeed(engine, () => events.push(++analysed));
    await readPacketFile(path, (packet) => feed.add(packet), {
      record: feed.record,
      onChunkEnd: feed.flush,
    });
    feed.flush();
  }
  engine.finish();
  return {
    alerts: engine.alerts(),
    events,
    stats: engine.stats.snapshot(),
    latency: engine.latency.snapshot(),
  };
}

async function alertsOf(entry: TruthEntry): Promise<Alert[]> {
  const result = await replay(entry);
  REPLAYS.set(entry.file, result);
  return result.alerts;
}

function matches(alert: Alert, expected: TruthExpectation): boolean {
  return alert.kind === expected.kind &&
    (expected.src === undefined || alert.attacker === expected.src) &&
    (expected.dst === undefined || alert.victim === expected.dst);
}

function describe(alert: Alert): string {
  return `${alert.kind}(${alert.attacker || "*"}→${alert.victim || "*"})`;
}

const table: string[] = [];

for (const entry of TRUTH) {
  const expectsNone = entry.expect.every((e) => e.kind === "none");
  const disputed = DISPUTED_TRUTH[entry.file];
  Deno.test({
    name: `truth: ${entry.file} → ${
      entry.expect.map((e) => e.kind).join(", ")
    }`,
    ignore: disputed !== undefined,
    async fn() {
      const alerts = await alertsOf(entry);
      const found = [...new Set(alerts.map(describe))].join(", ") || "none";
      const expected = entry.expect.map((e) =>
        e.kind === "none"
          ? "none"
          : `${e.kind}(${e.src ?? "*"}→${e.dst ?? "*"})`
      ).join(", ");
      table.push(`${entry.file} | ${expected} | ${found}`);
      // Exactly the expected alerts: none beyond them (a false positive on
      // an attack capture fails as surely as one on a benign capture).
      const unexpected = alerts.filter((alert) =>
        !entry.expect.some((expectation) => matches(alert, expectation))
      );
      assert.deepEqual(
        unexpected.map(describe),
        [],
        expectsNone
          ? `${entry.file} should raise no alert`
          : `${entry.file}: alerts beyond the expected ${expected}`,
      );
      for (const expectation of entry.expect) {
        if (expectation.kind === "none") continue;
        assert.ok(
          alerts.some((alert) => matches(alert, expectation)),
          `${entry.file}: expected ${expectation.kind} ${
            expectation.src ?? "*"
          } → ${expectation.dst ?? "*"}, found ${found}`,
        );
      }
    },
  });
}

Deno.test("truth: replaying an attack capture in batches and a packet at a time gives identical results", async () => {
  for (const entry of TRUTH) {
    if (entry.expect.every((e) => e.kind === "none")) continue;
    const first = REPLAYS.get(entry.file) ?? await replay(entry);
    const second = await replay(entry, true);
    assert.ok(second.alerts.length > 0 || DISPUTED_TRUTH[entry.file]);
    assert.deepEqual(second.alerts, first.alerts, entry.file);
    assert.deepEqual(second.events, first.events, entry.file);
    assert.deepEqual(second.stats, first.stats, entry.file);
    assert.deepEqual(second.latency, first.latency, entry.file);
  }
});

Deno.test("truth: the file → expected → found table", () => {
  console.log(
    ["", "file | expected | found", "--- | --- | ---", ...table].join("\n"),
  );
  assert.equal(
    table.length,
    TRUTH.length - Object.keys(DISPUTED_TRUTH).length,
    "every truth entry ran",
  );
});
