import assert from "node:assert/strict";
import { AnomalyCounter } from "../../capture/anomalies.ts";
import { decodePacket } from "../../capture/decode/mod.ts";
import { LINK_TYPE, type PcapRecord } from "../../capture/pcap_record.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  writePcapRecordHeader,
} from "../../capture/pcap_writer.ts";
import type { Alert } from "../../detectors/alert.ts";
import { AnalysisEngine } from "../../detectors/engine.ts";
import { SYN_FLOOD_DEFAULTS } from "../../detectors/syn_flood.ts";
import { MAC_FLOOD_DEFAULTS } from "../../detectors/mac_flood.ts";
import {
  ATTACK_SCHEDULE,
  DEMO_TRAFFIC_DEFAULTS,
  type DemoFrame,
  DemoTraffic,
  type DemoTrafficOptions,
} from "./mod.ts";
import { TUNNEL_SERVER } from "./lan.ts";

const SECOND_US = 1_000_000;

/** FNV-1a over every frame's time, label and bytes: a fingerprint of a stream. */
class StreamHash {
  #hash = 0x811c9dc5;
  frames = 0;
  bytes = 0;

  add(frame: DemoFrame): void {
    let hash = this.#hash;
    const head = `${frame.timestampUs}|${frame.label}|`;
    for (let i = 0; i < head.length; i++) {
      hash = Math.imul(hash ^ head.charCodeAt(i), 0x01000193);
    }
    const bytes = frame.bytes;
    for (let i = 0; i < bytes.length; i++) {
      hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    }
    this.#hash = hash >>> 0;
    this.frames++;
    this.bytes += bytes.length;
  }

  get value(): string {
    return `${this.#hash.toString(16)}/${this.frames}/${this.bytes}`;
  }
}

/** Generates `[startUs, startUs + cuts[last])` asking for each cut in turn; returns the fingerprint. */
function fingerprint(options: DemoTrafficOptions, cutsUs: number[]): string {
  const demo = new DemoTraffic(options);
  const hash = new StreamHash();
  for (const cutUs of cutsUs) {
    for (const frame of demo.framesUntil(demo.startUs + cutUs)) hash.add(frame);
  }
  return hash.value;
}

function seconds(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + 1) * SECOND_US);
}

Deno.test("DemoTraffic gives byte-identical frames for the same seed, other frames for another seed", () => {
  // An attack a second: every family runs within the 10 s compared.
  const options = { seed: 5, attackEveryUs: 1_000_000 };
  const first = fingerprint(options, seconds(10));
  assert.equal(fingerprint(options, seconds(10)), first);
  assert.notEqual(
    fingerprint({ ...options, seed: 6 }, seconds(2)),
    fingerprint(options, seconds(2)),
  );
});

Deno.test("DemoTraffic output does not depend on how framesUntil() cuts the time", () => {
  const even = fingerprint({ seed: 9 }, seconds(12));
  const ragged = [
    1,
    999_999,
    1_000_000,
    1_000_001,
    2_500_000,
    2_500_000,
    7_123_457,
    9_000_000,
    12_000_000,
  ];
  assert.equal(fingerprint({ seed: 9 }, ragged), even);
});

Deno.test("framesUntil() returns frames in time order, each below its bound and at or after the previous one", () => {
  const demo = new DemoTraffic({ seed: 3, attackEveryUs: 1_000_000 });
  let fromUs = demo.startUs;
  let lastUs = -Infinity;
  for (
    let untilUs = fromUs + 250_000;
    untilUs <= demo.startUs + 10 * SECOND_US;
    untilUs += 250_000
  ) {
    for (const frame of demo.framesUntil(untilUs)) {
      assert.ok(frame.timestampUs >= fromUs && frame.timestampUs < untilUs);
      assert.ok(frame.timestampUs >= lastUs, "time order");
      assert.ok(Number.isInteger(frame.timestampUs));
      lastUs = frame.timestampUs;
    }
    fromUs = untilUs;
    assert.equal(demo.generatedUntilUs, untilUs);
  }
  assert.deepEqual(demo.framesUntil(fromUs), []);
  assert.deepEqual(demo.framesUntil(fromUs - 1), []);
});

Deno.test("background traffic runs at about packetsPerSecond", () => {
  for (
    const [packetsPerSecond, durationS] of [[300, 120], [3_000, 20]] as const
  ) {
    const demo = new DemoTraffic({ seed: 2, packetsPerSecond, attacks: false });
    let frames = 0;
    for (let s = 1; s <= durationS; s++) {
      for (const frame of demo.framesUntil(demo.startUs + s * SECOND_US)) {
        assert.equal(frame.label, "");
        frames++;
      }
    }
    const rate = frames / durationS;
    assert.ok(
      rate > 0.75 * packetsPerSecond && rate < 1.25 * packetsPerSecond,
      `${rate} frames/s for ${packetsPerSecond}`,
    );
  }
});

Deno.test("DemoTraffic rejects bad options with RangeError", () => {
  assert.throws(() => new DemoTraffic({ packetsPerSecond: 0 }), RangeError);
  assert.throws(() => new DemoTraffic({ attackEveryUs: 10 }), RangeError);
  assert.throws(() => new DemoTraffic({ startUs: -1 }), RangeError);
  assert.throws(() => new DemoTraffic({ seed: NaN }), RangeError);
  assert.throws(() => new DemoTraffic().framesUntil(Infinity), RangeError);
});

function rawRecord(): PcapRecord {
  return {
    timestampUs: 0,
    subMicrosecondNs: -1,
    capturedLength: 0,
    wireLength: 0,
    linkType: LINK_TYPE.ETHERNET,
    interfaceId: 0,
    bytes: new Uint8Array(0),
    offset: 0,
  };
}

function describe(alert: Alert): string {
  return `${alert.kind} ${alert.attacker || "-"} → ${
    alert.victim || "-"
  }: ${alert.summary}`;
}

Deno.test("60 s of demo traffic decodes cleanly and fires every detector family, as injected, and nothing else", () => {
  const demo = new DemoTraffic({ seed: DEMO_TRAFFIC_DEFAULTS.seed });
  const anomalies = new AnomalyCounter();
  const engine = new AnalysisEngine();
  const raw = rawRecord();
  const labels = new Map<string, number>();
  let maxSessions = 0;
  for (let s = 1; s <= 60; s++) {
    for (const frame of demo.framesUntil(demo.startUs + s * SECOND_US)) {
      raw.timestampUs = frame.timestampUs;
      raw.bytes = frame.bytes;
      raw.capturedLength = frame.bytes.length;
      raw.wireLength = frame.bytes.length;
      const packet = decodePacket(raw, anomalies);
      assert.ok(
        packet.anomaly === "" && !packet.truncated,
        `frame at ${frame.timestampUs} (${
          frame.label || "background"
        }): ${packet.anomaly}`,
      );
      labels.set(frame.label, (labels.get(frame.label) ?? 0) + 1);
      engine.observe(packet);
    }
    maxSessions = Math.max(maxSessions, demo.activeSessions);
  }
  engine.finish();
  assert.deepEqual(anomalies.toJSON(), {});
  assert.ok(maxSessions < 200, `${maxSessions} sessions in flight`);

  const injected = demo.injectedAttacks;
  assert.deepEqual(
    injected.map((attack) => attack.kind).sort(),
    [...ATTACK_SCHEDULE].sort(),
  );
  assert.deepEqual(
    [...labels.keys()].sort(),
    ["", ...ATTACK_SCHEDULE].sort(),
  );

  const alerts = engine.alerts();
  for (const alert of alerts) {
    const attack = injected.find((candidate) =>
      candidate.kind === alert.kind && candidate.attacker === alert.attacker &&
      candidate.victim === alert.victim
    );
    assert.ok(attack, `an alert no attack explains: ${describe(alert)}`);
    // A SYN flood's alert starts at most a window before its first SYN
    // (syn_flood.ts, floodStartUs: the window's start, when its host had
    // traffic before), so that its PCAP slice holds the flood's start; a
    // MAC flood's at its window's first new MAC (a host that joined, or
    // the DHCP starvation's clients before it).
    const earlyUs = alert.kind === "syn_flood"
      ? SYN_FLOOD_DEFAULTS.windowUs
      : alert.kind === "mac_flood"
      ? MAC_FLOOD_DEFAULTS.windowUs
      : 0;
    assert.ok(
      alert.firstSeenUs >= attack.startUs - earlyUs,
      `raised before its attack began: ${describe(alert)}`,
    );
  }
  assert.deepEqual(
    alerts.map((alert) => alert.kind).sort(),
    [...ATTACK_SCHEDULE].sort(),
    alerts.map(describe).join("\n"),
  );
});

/** Decodes and analyses the first `seconds` of `demo`, a second at a time, to the end (`finish`). */
function analyseDemo(
  demo: DemoTraffic,
  seconds: number,
): { engine: AnalysisEngine; anomalies: AnomalyCounter } {
  const anomalies = new AnomalyCounter();
  const engine = new AnalysisEngine();
  const raw = rawRecord();
  for (let s = 1; s <= seconds; s++) {
    for (const frame of demo.framesUntil(demo.startUs + s * SECOND_US)) {
      raw.timestampUs = frame.timestampUs;
      raw.bytes = frame.bytes;
      raw.capturedLength = frame.bytes.length;
      raw.wireLength = frame.bytes.length;
      engine.observe(decodePacket(raw, anomalies));
    }
  }
  engine.finish();
  return { engine, anomalies };
}

Deno.test("the demo's DNS tunnel alternates: names through the resolver (T1071.004), then iodine's raw mode straight to the server's port 53 (T1571); its ARP scan, with an NDP scan; its NDP spoofing, with a rogue router; its ARP spoofing, with mitm6; its DHCP starvation, with a rogue DHCP server; its ICMP flood, with an ICMP tunnel; its ICMP sweep, with LLMNR poisoning; its SYN flood, with a DNS amplification; its SYN scan, with an SCTP INIT scan", () => {
  const demo = new DemoTraffic({ seed: DEMO_TRAFFIC_DEFAULTS.seed });
  // Two rounds of the schedule.
  const { engine, anomalies } = analyseDemo(demo, 125);
  // Raw mode's datagrams decode as what they are: DNS with an unassigned opcode.
  assert.deepEqual(anomalies.toJSON(), {});
  const tunnels = demo.injectedAttacks.filter((a) => a.kind === "dns_tunnel");
  assert.equal(tunnels.length, 2);
  assert.equal(tunnels[1]!.victim, TUNNEL_SERVER);
  const alerts = engine.alerts().filter((a) => a.kind === "dns_tunnel");
  assert.deepEqual(
    alerts.map((a) => [a.attacker, a.victim, a.mitre.id]),
    [
      [tunnels[0]!.attacker, tunnels[0]!.victim, "T1071.004"],
      [tunnels[1]!.attacker, TUNNEL_SERVER, "T1571"],
    ],
    alerts.map(describe).join("\n"),
  );
  const scans = demo.injectedAttacks.filter((a) =>
    a.kind === "arp_scan" || a.kind === "ndp_scan"
  );
  assert.deepEqual(scans.map((a) => a.kind), ["arp_scan", "ndp_scan"]);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "ndp_scan").map((a) => [
      a.attacker,
      a.mitre.id,
    ]),
    [[scans[1]!.attacker, "T1018"]],
  );
  const spoofs = demo.injectedAttacks.filter((a) =>
    a.kind === "arp_spoof" || a.kind === "dhcp_spoof"
  );
  // mitm6 in ARP spoofing's place, a rogue DHCPv4 server in the starvation's.
  assert.deepEqual(spoofs.map((a) => a.kind), [
    "arp_spoof",
    "dhcp_spoof",
    "dhcp_spoof",
  ]);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "dhcp_spoof").map((a) => [
      a.attacker,
      a.victim,
      a.mitre.id,
      a.evidence.answers,
      a.evidence.clients,
      a.evidence.linkLocalDnsServer ?? a.evidence.reasons,
    ]),
    [
      [spoofs[1]!.attacker, spoofs[1]!.victim, "T1557.003", 6, "3", true],
      [spoofs[2]!.attacker, spoofs[2]!.victim, "T1557.003", 6, "3", [
        "other_router",
        "other_dns",
        "other_subnet",
      ]],
    ],
  );
  const starvations = demo.injectedAttacks.filter((a) =>
    a.kind === "dhcp_starvation"
  );
  assert.equal(starvations.length, 1);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "dhcp_starvation").map((a) => [
      a.attacker,
      a.victim,
      a.mitre.id,
      a.evidence.newClients,
    ]),
    [[starvations[0]!.attacker, starvations[0]!.victim, "T1499.002", 300]],
  );
  const neighbors = demo.injectedAttacks.filter((a) =>
    a.kind === "ndp_spoof" || a.kind === "rogue_router"
  );
  assert.deepEqual(neighbors.map((a) => a.kind), ["ndp_spoof", "rogue_router"]);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "rogue_router").map((a) => [
      a.attacker,
      a.victim,
      a.mitre.id,
      a.evidence.newPrefixes,
      a.evidence.reasons,
    ]),
    [[
      neighbors[1]!.attacker,
      "ff02::1",
      "T1557",
      ["fd00:bad::/64"],
      ["new_prefix", "preferred_default_router"],
    ]],
  );
  const floods = demo.injectedAttacks.filter((a) =>
    a.kind === "syn_flood" || a.kind === "reflection_flood"
  );
  assert.deepEqual(floods.map((a) => a.kind), [
    "syn_flood",
    "reflection_flood",
  ]);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "reflection_flood").map((a) => [
      a.attacker,
      a.victim,
      a.mitre.id,
      a.evidence.replies,
      a.evidence.topService,
    ]),
    [["", floods[1]!.victim, "T1498.002", 2_000, "DNS (UDP 53)"]],
  );
  const discovery = demo.injectedAttacks.filter((a) =>
    a.kind === "icmp_sweep" || a.kind === "name_poisoning"
  );
  assert.deepEqual(discovery.map((a) => a.kind), [
    "icmp_sweep",
    "name_poisoning",
  ]);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "name_poisoning").map((a) => [
      a.attacker,
      a.victim,
      a.mitre.id,
      a.evidence.wpad,
      a.evidence.distinctNames,
    ]),
    [[discovery[1]!.attacker, "", "T1557.001", true, 5]],
  );
  const icmp = demo.injectedAttacks.filter((a) =>
    a.kind === "icmp_flood" || a.kind === "icmp_tunnel"
  );
  assert.deepEqual(icmp.map((a) => a.kind), ["icmp_flood", "icmp_tunnel"]);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "icmp_tunnel").map((a) => [
      a.attacker,
      a.victim,
      a.mitre.id,
      a.evidence.differingReplies,
    ]),
    // The session's first exchange is not judged.
    [[icmp[1]!.attacker, icmp[1]!.victim, "T1095", 59]],
  );
  const portScans = demo.injectedAttacks.filter((a) => a.kind === "port_scan");
  assert.deepEqual(portScans.map((a) => a.description.split(":")[0]), [
    "nmap -sS",
    "nmap -sY",
    "nmap -sS",
  ]);
  assert.deepEqual(
    engine.alerts().filter((a) => a.kind === "port_scan").map((a) => [
      a.attacker,
      a.victim,
      a.evidence.probeKinds,
    ]),
    [[portScans[0]!.attacker, portScans[0]!.victim, ["syn", "sctp-init"]]],
  );
  for (const alert of engine.alerts()) {
    assert.ok(
      demo.injectedAttacks.some((attack) =>
        attack.kind === alert.kind && attack.attacker === alert.attacker &&
        attack.victim === alert.victim
      ),
      `an alert no attack explains: ${describe(alert)}`,
    );
  }
});

Deno.test("a quiet office (no attacks) raises no alert in 3 minutes", () => {
  const demo = new DemoTraffic({ seed: 4, attacks: false });
  const { engine, anomalies } = analyseDemo(demo, 180);
  assert.deepEqual(anomalies.toJSON(), {});
  assert.deepEqual(engine.alerts().map(describe), []);
});

/** Writes 60 s of demo traffic to a classic pcap file, one second at a time. */
async function writeDemoPcap(path: string, seed: number): Promise<number> {
  const demo = new DemoTraffic({ seed });
  const file = await Deno.open(path, { write: true, truncate: true });
  let frames = 0;
  try {
    await file.write(pcapFileHeader(LINK_TYPE.ETHERNET));
    for (let s = 1; s <= 60; s++) {
      const batch = demo.framesUntil(demo.startUs + s * SECOND_US);
      const size = batch.reduce(
        (n, f) => n + PCAP_RECORD_HEADER_LENGTH + f.bytes.length,
        0,
      );
      const chunk = new Uint8Array(size);
      let offset = 0;
      for (const frame of batch) {
        writePcapRecordHeader(
          chunk,
          offset,
          frame.timestampUs,
          frame.bytes.length,
        );
        chunk.set(frame.bytes, offset + PCAP_RECORD_HEADER_LENGTH);
        offset += PCAP_RECORD_HEADER_LENGTH + frame.bytes.length;
      }
      for (let written = 0; written < chunk.length;) {
        written += await file.write(chunk.subarray(written));
      }
      frames += batch.length;
    }
  } finally {
    file.close();
  }
  return frames;
}

async function run(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * tshark warnings the demo causes on purpose or that tshark raises on any
 * such traffic: the port scan's resets, the ARP spoof's duplicate gateway
 * address, and OpenSSH's ed25519 host signatures (tshark 4.0 does not parse
 * their blob and says so on every real OpenSSH handshake).
 */
const EXPECTED_TSHARK_WARNINGS = [
  /Connection reset \(RST\)/,
  /Duplicate IP address configured \(192\.168\.1\.1\)/,
  /Decoded 19 bytes, but packet legnth is 83 bytes/,
  // The MAC flood's frames, from random MACs as macof's are.
  /Source MAC must not be a group address/,
];

Deno.test("tcpdump and tshark read 60 s of demo traffic: valid checksums, nothing malformed", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    const frames = await writeDemoPcap(path, 11);
    const tcpdump = await run("tcpdump", ["-nn", "-vv", "-r", path]);
    assert.equal(tcpdump.code, 0, tcpdump.stderr);
    assert.equal(tcpdump.stdout.match(/^\d/gm)?.length, frames);
    // "[|http]" only means tcpdump stopped printing a long HTTP body.
    const bad = tcpdump.stdout.match(
      /^.*(\(incorrect|bad (udp )?cksum|truncated|\[\|(?!http\])).*$/m,
    );
    assert.equal(bad, null, `tcpdump: ${bad?.[0]}`);

    const tshark = await run("tshark", ["-r", path, "-q", "-z", "expert,note"]);
    assert.equal(tshark.code, 0, tshark.stderr);
    // tshark 4.0 throws on some SSH segments of random ciphertext (the
    // demo's chacha20-poly1305 bulk data): flipping any bit of the first
    // byte of the one found clears it, so real encrypted traffic does the
    // same as often. One such error at most; nothing else malformed.
    const errors = tshark.stdout.split(/\n(?=\w)/).find((section) =>
      section.startsWith("Errors")
    ) ?? "";
    for (const line of errors.split("\n").slice(3)) {
      if (line.trim() === "" || line.startsWith("=")) {
        continue;
      }
      assert.match(
        line,
        /^\s+1\s+Malformed\s+SSH\s+Malformed Packet \(Exception occurred\)$/,
        tshark.stdout,
      );
    }
    assert.doesNotMatch(
      tshark.stdout.replace(errors, ""),
      /Malformed/,
      tshark.stdout,
    );
    const warnings = tshark.stdout.split(/\n(?=\w)/).find((section) =>
      section.startsWith("Warns")
    ) ?? "";
    for (const line of warnings.split("\n").slice(3)) {
      if (line.trim() === "" || line.startsWith("=")) {
        continue;
      }
      assert.ok(
        EXPECTED_TSHARK_WARNINGS.some((pattern) =>
          pattern.test(line)
        ),
        `unexpected tshark warning: ${line.trim()}`,
      );
    }
  } finally {
    await Deno.remove(path);
  }
});
