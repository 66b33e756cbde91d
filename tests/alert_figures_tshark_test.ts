/**
 * Alerts' figures against tshark's: a spoofed flood sent from one host on
 * the capture's segment names the MAC behind its thousands of addresses;
 * an incident that pauses and comes back (a SYN flood's two bursts, an
 * ICMP tunnel quiet for minutes) is one alert whose figures count all of
 * it, not its last stretch.
 */
import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import type { Alert } from "../detectors/alert.ts";
import { AnalysisEngine } from "../detectors/engine.ts";
import { tcpFrame } from "../capture/frame_builder.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import { tsharkFields } from "./cli_helpers.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;

/** The alerts of `file` as they stand at the end. */
async function alertsOf(file: string): Promise<Alert[]> {
  const alerts = new Map<string, Alert>();
  const engine = new AnalysisEngine({}, (event) => {
    alerts.set(event.alert.id, event.alert);
  });
  await readPacketFile(PCAPS + file, (packet) => engine.observe(packet));
  engine.finish();
  return [...alerts.values()];
}

/** The source MACs of the frames `displayFilter` keeps, with their counts. */
async function macsOf(file: string, displayFilter: string) {
  const counts = new Map<string, number>();
  for (
    const mac of await tsharkFields(PCAPS + file, ["eth.src"], displayFilter)
  ) {
    counts.set(mac, (counts.get(mac) ?? 0) + 1);
  }
  return counts;
}

for (
  const { file, kind, filter } of [
    {
      file:
        "attacks/synflood_spoofed_from_lan_host_with_background__tcp_syn_flood.pcap",
      kind: "syn_flood",
      filter:
        "ip.dst == 192.168.1.1 && tcp.flags.syn == 1 && tcp.flags.ack == 0",
    },
    {
      file: "attacks/icmpv6flood_smurf6_to_ff02-1__rsmurf6.pcap",
      kind: "icmp_flood",
      filter: "icmpv6.type == 128",
    },
  ]
) {
  Deno.test(`a spoofed ${kind} from one host on the segment names the MAC behind its addresses, as tshark sees it (${file})`, async () => {
    const alert = (await alertsOf(file)).find((a) => a.kind === kind)!;
    assert.ok(alert, `a ${kind} alert`);
    assert.equal(alert.attacker, "", "no address names the attacker");
    const macs = await macsOf(file, filter);
    assert.equal(macs.size, 1, `one MAC: ${[...macs.keys()]}`);
    const [mac] = macs.keys();
    assert.equal(alert.evidence.sourceMac, mac);
    assert.ok(
      alert.summary.includes(` % through MAC ${mac})`),
      alert.summary,
    );
  });
}

Deno.test("a spoofed SYN flood whose frames come through many MACs names none", () => {
  const alerts = new Map<string, Alert>();
  const engine = new AnalysisEngine({}, (event) => {
    alerts.set(event.alert.id, event.alert);
  });
  const startUs = 1_700_000_000_000_000;
  for (let i = 0; i < 5_000; i++) {
    const hex = (i % 200).toString(16).padStart(2, "0");
    const frame = tcpFrame(
      {
        srcMac: `02:00:00:00:01:${hex}`,
        dstMac: "02:00:00:00:00:02",
        src: `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
        dst: "192.0.2.80",
      },
      { srcPort: 1024 + i, dstPort: 80, flags: TCP_FLAGS.SYN },
    );
    // 5,000 SYNs a second.
    engine.observe(
      decodeFrame(frame, { timestampUs: startUs + i * 200 }).packet,
    );
  }
  engine.finish();
  const flood = [...alerts.values()].find((a) => a.kind === "syn_flood");
  assert.ok(flood, "a SYN flood");
  assert.ok(!flood.summary.includes("through MAC"), flood.summary);
  assert.ok((flood.evidence.sourceMacShare as number) < 0.8);
});

Deno.test("a spoofed SYN flood in two bursts 2 s apart is one incident whose totals count both bursts, as tshark counts them", async () => {
  const file =
    "attacks/synflood_spoofed_37k_sources__pkt.TCP.synflood.spoofed.pcap";
  const alert = (await alertsOf(file)).find((a) => a.kind === "syn_flood")!;
  const [syns, sources] = (await tsharkFields(
    PCAPS + file,
    ["ip.src"],
    "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 25565 && frame.time_relative < 5",
  )).reduce(
    ([count, seen], source) => [count + 1, seen.add(source)],
    [0, new Set<string>()] as [number, Set<string>],
  );
  assert.ok(syns > 30_000, `${syns} SYNs`);
  const counted = alert.evidence.floodSyns as number;
  // Only the few SYNs before the flood's warm-up level are left out.
  assert.ok(counted >= syns * 0.99 && counted <= syns, `${counted} of ${syns}`);
  const distinct = alert.evidence.distinctSources as number;
  assert.ok(
    Math.abs(distinct - sources.size) <= sources.size * 0.05,
    `${distinct} sources, tshark ${sources.size}`,
  );
  assert.ok((alert.evidence.durationSeconds as number) >= 3.5);
});

Deno.test("an ICMP tunnel quiet for over two minutes in the middle is one alert whose figures count the whole tunnel, as tshark counts its replies", async () => {
  const file = "attacks/icmptunnel_ssh_over_icmp_ptunnel__icmp-tunnel.pcap";
  const alert = (await alertsOf(file)).find((a) => a.kind === "icmp_tunnel")!;
  const replies = await tsharkFields(
    PCAPS + file,
    ["frame.time_epoch"],
    "icmp.type == 0",
  );
  const times = replies.map(Number);
  const spanSeconds = times.at(-1)! - times[0]!;
  assert.ok(replies.length > 400, `${replies.length} replies`);
  // The tunnel paused: a gap of two minutes between replies.
  const gap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  assert.ok(gap > 120, `${gap} s`);
  const counted = alert.evidence.replies as number;
  // Only the replies before the tunnel was recognised are left out.
  assert.ok(
    counted >= replies.length - 10 && counted <= replies.length,
    `${counted} of ${replies.length}`,
  );
  const duration = alert.evidence.durationSeconds as number;
  assert.ok(duration >= spanSeconds - 30, `${duration} s of ${spanSeconds}`);
});
