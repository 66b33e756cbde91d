/**
 * Top talkers and conversations agree with tshark on every shared capture
 * (benign/, formats/, attacks/, malformed/): each host's packets, wire bytes
 * and bytes sent, and each unordered host pair's packets and bytes, exactly
 * as tshark dissects the frames (tests/fixtures/talkers_tshark.json, made
 * once by make_talkers_tshark.ts; this test does not run tshark). Then, with
 * the default table sizes (16 384 hosts and pairs, frequency-based
 * admission), the top 10 of each list are still tshark's largest, the
 * 37 624-source spoofed SYN flood among them.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { CaptureFormatError } from "../capture/pcap_reader.ts";
import {
  type StatsSnapshot,
  TrafficStats,
  type TrafficStatsOptions,
} from "../detectors/stats/traffic_stats.ts";
import {
  bytesOfLine,
  conversationLines,
  hostLines,
  sha256Hex,
  TALKER_FOLDERS,
  type TalkerFile,
  TOP_ENTRIES,
  topLines,
} from "./talker_tally.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

const FIXTURE: { tshark: string; files: Record<string, TalkerFile> } = JSON
  .parse(
    await Deno.readTextFile(
      new URL("fixtures/talkers_tshark.json", import.meta.url),
    ),
  );

/** Packets of a whole capture count in the session lists however long it spans. */
const WHOLE_CAPTURE = { sessionIdleUs: Number.MAX_SAFE_INTEGER };

/**
 * Captures tshark reads and NetMirror refuses, with why: libpcap's own
 * policy, which NetMirror follows (libpcap's TESTrun expects "unsupported
 * pcap savefile version 2.5"; Wireshark 4.0 reads the one packet anyway).
 */
const REFUSED: Record<string, string> = {
  "malformed/bad_header_pcap_version2.5__pcap-invalid-version-2.pcap":
    "unsupported pcap version 2.5",
};

/**
 * Lines NetMirror counts that tshark does not, by capture. Evidence
 * (tshark 4.0 `-V`): tshark stops at an IPv4 header it calls bogus and
 * fills no address fields; NetMirror counts the bytes that arrived from and
 * to the addresses in it (and notes the anomaly), as the packet was on the
 * wire.
 *
 * - ipv4-truncated-broken-header: "Total Length: 20 bytes (bogus, less than
 *   header length 60)" (NetMirror: `ipv4_bad_total_length`).
 * - ipv4_invalid_hdr_length: "Bogus IP header length (16, must be at least
 *   20)" (NetMirror: `ipv4_bad_header_length`).
 */
const NETMIRROR_ONLY: Record<
  string,
  { hosts: string[]; conversations: string[] }
> = {
  "malformed/ipv4_broken_header__ipv4-truncated-broken-header.pcap": {
    hosts: ["163.253.48.183 1 34 34", "192.150.187.43 1 34 0"],
    conversations: ["163.253.48.183 192.150.187.43 1 34"],
  },
  "malformed/ipv4_invalid_header_length__ipv4_invalid_hdr_length.pcap": {
    hosts: ["140.211.9.206 1 98 98", "45.33.127.156 1 98 0"],
    conversations: ["140.211.9.206 45.33.127.156 1 98"],
  },
};

/** Our session snapshot of one capture, and the format error that ended it early ("" when none). */
async function snapshotOf(
  file: string,
  options: TrafficStatsOptions,
): Promise<{ snapshot: StatsSnapshot; error: string }> {
  const stats = new TrafficStats(options);
  let error = "";
  try {
    await readPacketFile(
      new URL(file, PCAPS).pathname,
      (packet) => stats.observe(packet),
    );
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    error = e.message;
  }
  return { snapshot: stats.snapshot(), error };
}

/** Host and pair lines of a snapshot's session lists, in the fixture's format. */
function linesOf(snapshot: StatsSnapshot) {
  return {
    hosts: hostLines(
      new Map(snapshot.talkers.session.map((host) => [host.address, host])),
    ),
    conversations: conversationLines(
      new Map(
        snapshot.conversations.session.map((pair) => [
          `${pair.hostA} ${pair.hostB}`,
          pair,
        ]),
      ),
    ),
  };
}

/** Sorted lines without the ones given. */
function without(lines: string[], dropped: string[] = []): string[] {
  return lines.filter((line) => !dropped.includes(line));
}

/** Asserts that `lines` match a fixture list (every line) or its count, digest and largest lines. */
async function assertLines(
  what: string,
  lines: string[],
  expected: {
    count: number;
    sha256: string;
    all: string[] | undefined;
    top: string[] | undefined;
  },
): Promise<void> {
  if (expected.all !== undefined) {
    assert.deepEqual(lines, expected.all, what);
    return;
  }
  assert.equal(lines.length, expected.count, `${what}: count`);
  assert.deepEqual(topLines(lines, TOP_ENTRIES), expected.top, `${what}: top`);
  assert.equal(await sha256Hex(lines), expected.sha256, `${what}: SHA-256`);
}

const FILES = Object.keys(FIXTURE.files);

Deno.test("talkers fixture: every readable capture of the four folders is in it", () => {
  const onDisk = TALKER_FOLDERS.flatMap((folder) =>
    [...Deno.readDirSync(new URL(folder + "/", PCAPS))]
      .filter((entry) => entry.isFile && !entry.name.endsWith(".md"))
      .map((entry) => `${folder}/${entry.name}`)
  );
  // tshark cannot open four of malformed/'s damaged headers; the rest are here.
  assert.ok(FILES.length >= 110, `${FILES.length} captures in the fixture`);
  for (const file of FILES) assert.ok(onDisk.includes(file), file);
  assert.ok(
    FILES.includes(
      "attacks/synflood_spoofed_37k_sources__pkt.TCP.synflood.spoofed.pcap",
    ),
  );
});

Deno.test("TrafficStats counts every host and host pair as tshark does (packets, wire bytes, bytes sent) on every shared capture", async () => {
  const differing: string[] = [];
  for (const [file, expected] of Object.entries(FIXTURE.files)) {
    const { snapshot, error } = await snapshotOf(file, {
      ...WHOLE_CAPTURE,
      topCount: Number.MAX_SAFE_INTEGER,
      maxHosts: 65_536,
      maxConversations: 65_536,
    });
    const refused = REFUSED[file];
    if (refused !== undefined) {
      assert.ok(error.includes(refused), `${file}: ${error}`);
      assert.equal(snapshot.totals.packets, 0, file);
      continue;
    }
    // A capture tshark reads only in part is one NetMirror reads in part.
    assert.equal(error !== "", expected.readError !== undefined, file);
    const ours = linesOf(snapshot);
    const extra = NETMIRROR_ONLY[file];
    const hosts = without(ours.hosts, extra?.hosts);
    const conversations = without(ours.conversations, extra?.conversations);
    if (extra) {
      for (const line of extra.hosts) assert.ok(ours.hosts.includes(line));
      for (const line of extra.conversations) {
        assert.ok(ours.conversations.includes(line));
      }
    }
    try {
      await assertLines(`${file}: hosts`, hosts, {
        count: expected.hostCount,
        sha256: expected.hostsSha256,
        all: expected.hosts,
        top: expected.topHosts,
      });
      await assertLines(`${file}: conversations`, conversations, {
        count: expected.conversationCount,
        sha256: expected.conversationsSha256,
        all: expected.conversations,
        top: expected.topConversations,
      });
    } catch (e) {
      differing.push(String(e instanceof Error ? e.message : e));
    }
  }
  assert.deepEqual(differing, [], differing.join("\n\n"));
});

Deno.test("TrafficStats with its default table sizes still ranks tshark's top 10 talkers and conversations first on every shared capture", async () => {
  const differing: string[] = [];
  for (const [file, expected] of Object.entries(FIXTURE.files)) {
    if (file in REFUSED) continue;
    const { snapshot } = await snapshotOf(file, WHOLE_CAPTURE);
    const ours = linesOf(snapshot);
    const topOf = (lines: string[], dropped?: string[]) =>
      topLines(without(lines, dropped), TOP_ENTRIES);
    const extra = NETMIRROR_ONLY[file];
    const cases = [
      {
        what: "talkers",
        ranked: snapshot.talkers.session.map((host) => host.bytes),
        ours: topOf(ours.hosts, extra?.hosts),
        theirs: expected.topHosts ??
          topLines(expected.hosts ?? [], TOP_ENTRIES),
      },
      {
        what: "conversations",
        ranked: snapshot.conversations.session.map((pair) => pair.bytes),
        ours: topOf(ours.conversations, extra?.conversations),
        theirs: expected.topConversations ??
          topLines(expected.conversations ?? [], TOP_ENTRIES),
      },
    ];
    for (const { what, ranked, ours, theirs } of cases) {
      // The snapshot's own order is by bytes, largest first.
      const sorted = [...ranked].sort((a, b) => b - a);
      if (ranked.join() !== sorted.join()) {
        differing.push(`${file}: ${what} not ranked by bytes`);
      }
      // Equal bytes at the 10th place may rank either host; the bytes may not differ.
      const lastBytes = theirs.length ? bytesOfLine(theirs.at(-1)!) : 0;
      const same = ours.length === theirs.length &&
        ours.every((line, i) =>
          line === theirs[i] ||
          (bytesOfLine(line) === lastBytes &&
            bytesOfLine(theirs[i] ?? "") === lastBytes)
        );
      if (!same) {
        differing.push(
          `${file}: ${what}\n  ours   ${ours.join(" | ")}\n  tshark ${
            theirs.join(" | ")
          }`,
        );
      }
    }
  }
  assert.deepEqual(differing, [], differing.join("\n"));
});
