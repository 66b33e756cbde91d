/**
 * Name poisoning detector: one host answering other hosts' LLMNR, NBT-NS or
 * mDNS name queries for many names, or for WPAD (Responder, Inveigh,
 * Metasploit's llmnr_response and nbns_response), MITRE T1557.001.
 *
 * Windows asks LLMNR (RFC 4795: UDP to 224.0.0.252 or ff02::1:3, port
 * 5355) and the NetBIOS name service (RFC 1002: a broadcast name query to
 * UDP port 137) for every name DNS could not resolve: a typo, a retired
 * file server, "wpad" for the proxy configuration. Only the host that owns
 * a name answers for it, by unicast to the address and port the query came
 * from, so an ordinary host answers for its own name or two (NBT-NS: its
 * host name and its workgroup's). A poisoner answers every query it hears
 * with its own address, and the querier then sends it the connection meant
 * for the name: an SMB, HTTP or WPAD request, whose NTLM authentication it
 * captures or relays.
 *
 * A query is an LLMNR query (a DNS query, opcode 0, one question for an
 * address: A, AAAA or ANY, to an LLMNR group on UDP 5355; a host's own
 * responder answers reverse lookups of each of its addresses, as
 * systemd-resolved does, and poisoners answer none) or an NBT-NS broadcast
 * name query (opcode 0,
 * the broadcast bit set, a first-level encoded name: capture/decode/nbns.ts;
 * a unicast query to a WINS server, which answers for every registered
 * name, is not one). An answer is a response from the protocol's port (for
 * LLMNR also one to it: systemd-resolved asks from its port 5355 and takes
 * an answer from any) with no error and at least one answer record, to the
 * querier's address and port, with the query's id, within
 * {@linkcode ANSWER_US} of the query.
 * Answers that match no query seen here (a capture that missed it, a
 * poisoner answering in the blind) are not counted.
 *
 * mDNS (RFC 6762: UDP 5353 to 224.0.0.251 or ff02::fb) is asked for names
 * under ".local" by macOS, iOS, Linux with Avahi and Windows 10 and later;
 * Responder answers every such query too, to the group. A query is an
 * mDNS query to the group, by its first question for an address (A, AAAA
 * or ANY; a browse may come first), remembered by its name (answers go to
 * the group with id 0), with its first asker and the first other one; an
 * answer is a response from port 5353 whose A or AAAA records
 * (capture/decode/mdns.ts: the first 8 address and alias records among
 * its first 16 answers) give an address for a name queried within
 * {@linkcode ANSWER_US}, directly or through a CNAME, by a host other than
 * that address and the answer's sender. An mDNS answer counts for the
 * address it gives, not for its sender: that address is where the querier
 * connects, the poisoner's, whatever MAC or source address its answers
 * come from (and however its records are laid out: its own link-local
 * AAAA first, a decoy first, an alias). Each host answers for its own
 * names with its own addresses; an Avahi reflector (a router repeating
 * each VLAN's answers to the others), a Bonjour sleep proxy answering for
 * sleeping Macs and a host publishing other hosts' names (/etc/avahi/hosts)
 * give each name its own host's address, hosts behind one MAC (a Wi-Fi
 * extender) answer with their own, and names that differ only by a
 * conflict rename's "-N" ("host-2.local" after "host.local", as Avahi and
 * Bonjour rename, also in Avahi's spurious rename loops or when an
 * attacker claims a host's name) are one name. An LLMNR or NBT-NS
 * answering host is its frames' source MAC (both stay on the link, and a
 * querier connects to the address an answer gives, not its source: a
 * poisoner may rotate or forge its source address), or its address in a
 * capture without MACs. Per answering host (a MAC for LLMNR and NBT-NS
 * together, an answered address for mDNS), with a sliding window of
 * packet time,
 *
 *     distinct names answered for others  ≥  nameThreshold  within windowUs,
 *
 * or an answer for "wpad" (the Web Proxy
 * Auto-Discovery name, which no LAN host should own: Responder's first
 * prize; also as the first label of a longer name) at all. Names are
 * compared lower-case, NetBIOS names without their suffix, and counted by a
 * 53-bit hash of their text (a few dozen bytes each, whatever their
 * length; the first 20 are kept as samples, cut to 64 characters).
 *
 * Findings: key = the answering host (for mDNS, the address it answered
 * with); attacker = its address while it answered from one, else its MAC
 * (the summary lists the addresses, the evidence `sourceAddresses` and
 * `responderMac`); victim = the querier
 * of its first counted answer while it answered one querier only, else ""
 * (the evidence samples the queriers); severity high. One alert per
 * incident: a finding when the threshold is crossed (or at the first WPAD
 * answer), then again when the names double or at most every
 * `reportIntervalUs`, and a last one at the end of the input (also of an
 * incident of WPAD answers alone, when they grew).
 *
 * Limits: a poisoner that answers fewer than `nameThreshold` names within
 * the window, none of them "wpad", is not found (on a quiet LAN a
 * poisoner hears few queries); an mDNS poisoner whose answers give a
 * different address for each name (a relay of many addresses), that puts
 * its record after the first 16 answers or 8 address records, or in the
 * additional section alone (Avahi ignores it there; macOS may not), or
 * that answers queries whose first 8 questions ask for no address, is
 * not found, and one giving several addresses is reported for each (at
 * most 4; a decoy address it adds to each answer is reported beside it);
 * a host that publishes several names of its own address over mDNS (vhost
 * aliases such as grafana.local and nas.local, Kubernetes' external-mdns,
 * HomeKit bridges) looks like a poisoner once four of them are asked
 * within the window: allowlist it; a poisoner answering over LLMNR and
 * mDNS is counted twice apart (its MAC, its address); nor are answers to
 * queries the capture missed (a sensor that sees the poisoner's unicast
 * answers but not the queries), nor
 * NBT-NS answers to a WINS server's clients; nor are LLMNR answers sent
 * to the group instead of the querier, or over TCP (after a truncated UDP
 * answer, RFC 4795 section 2.4; systemd-resolved follows it, Windows does
 * not), nor an answer whose query was pushed out of its query table by
 * thousands of forged queries within its wait (`maxQueries`, counted in
 * the table's evictions; mDNS queries have a table of their own, so that a
 * flood of forged multicast queries pushes out no LLMNR or NBT-NS query). A host legitimately named
 * "wpad" (an old proxy auto-configuration setup) is reported: allowlist it
 * (alerts.allowlist.perKind).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import {
  NBNS_BROADCAST,
  NBNS_PORT,
  NBNS_RESPONSE,
  nbnsOpcode,
  nbnsRcode,
} from "../capture/decode/nbns.ts";
import { MDNS_PORT } from "../capture/decode/mdns.ts";
import { type Finding, type FindingSink, windowText } from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import {
  expireIdleFanOuts,
  type FanOut,
  type FanOutLimits,
  finishFanOut,
  newFanOut,
  observeFanOut,
} from "./fan_out.ts";
import { BoundedMap } from "./bounded_map.ts";
import { fnv1a, polyHash } from "./hash.ts";
import { macKeyOf } from "./neighbor_scan.ts";
import { NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import { markReported } from "./report_cadence.ts";

/** Options of {@linkcode createNamePoisoningDetector}. */
export interface NamePoisoningOptions {
  /** Distinct names one host answers for others (LLMNR, NBT-NS and mDNS together) within the window that make it a poisoner. */
  nameThreshold?: number;
  /** Window length, µs of packet time. */
  windowUs?: number;
  /** Answering hosts tracked at once; beyond this the least recently seen is forgotten. */
  maxResponders?: number;
  /** Queries remembered at once while they wait for answers, in each of two tables (LLMNR and NBT-NS, mDNS); beyond this the oldest is forgotten. */
  maxQueries?: number;
  /** Distinct names remembered per answering host (at least `nameThreshold`). */
  maxNamesPerResponder?: number;
  /** Packet time between repeated findings of one incident, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode NamePoisoningOptions}.
 *
 * - `nameThreshold` 4 within `windowUs` 10 minutes: a host answers for its
 *   own name (a Windows host, systemd-resolved), two at most with a second
 *   spelling; a poisoner on a LAN of Windows clients hears typos, retired
 *   servers and "wpad" within minutes.
 * - `maxResponders` 1,024 and `maxQueries` 4,096 (a LAN's queries within
 *   {@linkcode ANSWER_US}); `maxNamesPerResponder` 64 (names are counted
 *   by a 53-bit hash: a few dozen bytes each, whatever their length).
 * - `reportIntervalUs` 60 s.
 */
export const NAME_POISONING_DEFAULTS = {
  nameThreshold: 4,
  windowUs: 600_000_000,
  maxResponders: 1_024,
  maxQueries: 4_096,
  maxNamesPerResponder: 64,
  reportIntervalUs: 60_000_000,
} satisfies Required<NamePoisoningOptions>;

/** LLMNR's port (RFC 4795 section 2). */
const LLMNR_PORT = 5355;
/** LLMNR's IPv4 group, 224.0.0.252, as an address key; its IPv6 group is told by its text. */
const LLMNR_GROUP_V4 = 0xe000_00fc;
const LLMNR_GROUP_V6 = "ff02::1:3";

/** mDNS's IPv4 group, 224.0.0.251, as an address key, and its IPv6 group (RFC 6762 section 3). */
const MDNS_GROUP_V4 = 0xe000_00fb;
const MDNS_GROUP_V6 = "ff02::fb";

/** The third key word of an LLMNR or NBT-NS query: which protocol asked. */
const LLMNR = 0;
const NBNS = 1;

/** Longest wait from a query to an answer that is counted, µs (RFC 4795 section 7: an LLMNR sender waits LLMNR_TIMEOUT, 1 s by default; NBT-NS clients retry for about 1.5 s). */
export const ANSWER_US = 5_000_000;

/** The name whose answer is a finding at once (also as the first label of a longer name, which poisoners answer alike). */
const WPAD = "wpad";

/** LLMNR query types a poisoner answers (A, AAAA, ANY): a host's own responder also answers reverse (PTR) lookups of each of its addresses, which are no names. */
const LLMNR_QTYPES: ReadonlySet<number> = new Set([1, 28, 255]);

/** Characters of a name kept as a sample. */
const MAX_SAMPLE_LENGTH = 64;

/** Addresses of one mDNS answer counted (a poisoner gives one or two). */
const MAX_ADDRESSES_PER_ANSWER = 4;

/** Source addresses remembered per answering host. */
const MAX_ADDRESSES = 8;

/** Samples of names and queriers in a finding. */
const MAX_SAMPLES = 20;

/** Packet time between expiry sweeps of the responder table, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

/** Bits of {@linkcode ResponderState.protocols}. */
const LLMNR_BIT = 1;
const NBNS_BIT = 2;
const MDNS_BIT = 4;

/** The protocols' names, by bit of {@linkcode ResponderState.protocols}. */
const PROTOCOL_NAMES: readonly (readonly [number, string, string])[] = [
  [LLMNR_BIT, "LLMNR", "llmnr"],
  [NBNS_BIT, "NBT-NS", "nbt-ns"],
  [MDNS_BIT, "mDNS", "mdns"],
];

/** A query waiting for answers. */
interface QueryState {
  name: string;
  querier: string;
  /** mDNS: the first other host that asked for the name while it waited ("" for none), so that a poisoner asking too cannot pass for the only asker. */
  otherQuerier: string;
  atUs: number;
}

/** Per answering host (its frames' source MAC, or its address without one). */
interface ResponderState {
  /** Its table key. */
  key: string;
  /** Its frames' source MAC ("" in a capture without one). */
  mac: string;
  /** Source addresses of its answers (up to {@linkcode MAX_ADDRESSES}; a poisoner may rotate them). */
  addresses: string[];
  /** Names answered for others, by a 53-bit hash of their lower-case text. */
  fanOut: FanOut<number>;
  /** The first distinct names, cut to {@linkcode MAX_SAMPLE_LENGTH}. */
  sampleNames: string[];
  /** Answers counted since the incident began. */
  answers: number;
  /** Queriers answered (samples), the first one first: more than one is no single victim. */
  queriers: string[];
  /** Protocols it answered in ({@linkcode LLMNR_BIT}, {@linkcode NBNS_BIT}, {@linkcode MDNS_BIT}). */
  protocols: number;
  /** Whether it answered for "wpad", and its answers when that was reported (0: not yet; a WPAD-only incident's last finding is due when they grew). */
  wpad: boolean;
  wpadReportedAnswers: number;
  firstAnswerUs: number;
}

/**
 * Creates the name poisoning detector (kind "name_poisoning"): one
 * incident per host answering others' LLMNR, NBT-NS or mDNS queries for many names or for
 * WPAD.
 *
 * @example
 * ```ts
 * const detector = createNamePoisoningDetector({ nameThreshold: 3 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createNamePoisoningDetector(
  options: NamePoisoningOptions = {},
): Detector {
  const config = { ...NAME_POISONING_DEFAULTS, ...options };
  requirePositive("name poisoning detector", config, [
    "nameThreshold",
    "windowUs",
    "maxResponders",
    "maxQueries",
    "maxNamesPerResponder",
    "reportIntervalUs",
  ]);
  if (config.maxNamesPerResponder < config.nameThreshold) {
    throw new RangeError(
      `Cannot create name poisoning detector: maxNamesPerResponder (${config.maxNamesPerResponder}) must be at least nameThreshold (${config.nameThreshold})`,
    );
  }
  const limits: FanOutLimits = {
    targetThreshold: config.nameThreshold,
    windowUs: config.windowUs,
    maxTargets: config.maxNamesPerResponder,
    reportIntervalUs: config.reportIntervalUs,
  };
  // LLMNR and NBT-NS queries by (querier address key, its port × 65536 +
  // id, protocol); mDNS queries by their name's key (nameKeyOf), in a table
  // of their own: multicast queries are cheap to forge, and a flood of them must not
  // push out the others.
  const queries = new NumericKeyMap<QueryState>(config.maxQueries);
  const mdnsQueries = new NumericKeyMap<QueryState>(config.maxQueries);
  // Answering hosts by their frames' source MAC (with VLAN), else address.
  const responders = new BoundedMap<string, ResponderState>(
    config.maxResponders,
  );
  let nextExpiryUs = -Infinity;

  function reportLast(state: ResponderState, report: FindingSink): void {
    if (finishFanOut(state.fanOut)) {
      report(findingOf(state, config));
    } else if (
      state.wpadReportedAnswers > 0 &&
      state.answers > state.wpadReportedAnswers
    ) {
      // A WPAD-only incident (below the name threshold): its last figures.
      state.wpadReportedAnswers = state.answers;
      report(findingOf(state, config));
    }
  }

  function expire(nowUs: number, report: FindingSink): void {
    expireIdleFanOuts(
      responders,
      nowUs,
      config.windowUs,
      (state) => reportLast(state, report),
    );
  }

  /** An LLMNR query to its group. */
  function noteLlmnrQuery(packet: PacketRecord): void {
    if (
      packet.dnsOpcode !== 0 || packet.dnsQuestionCount !== 1 ||
      !LLMNR_QTYPES.has(packet.dnsQtype)
    ) return;
    const group = packet.network === "ipv4"
      ? packet.dstAddressKey === LLMNR_GROUP_V4
      : packet.dstAddress === LLMNR_GROUP_V6;
    if (group) noteQuery(packet, LLMNR, packet.dnsId, packet.dnsQname);
  }

  /** An mDNS query to its group (its first question for an address: capture/decode/mdns.ts), remembered by its name: answers go to the group, with id 0. */
  function noteMdnsQuery(packet: PacketRecord): void {
    const name = packet.mdnsQueryName;
    if (packet.dnsOpcode !== 0 || name === "" || packet.srcAddressKey < 0) {
      return;
    }
    const group = packet.network === "ipv4"
      ? packet.dstAddressKey === MDNS_GROUP_V4
      : packet.dstAddress === MDNS_GROUP_V6;
    if (!group) return;
    const key = nameKeyOf(name);
    const query = mdnsQueries.peek(key, 0, 0);
    const asker = packet.srcAddress;
    if (query !== undefined && packet.timestampUs - query.atUs <= ANSWER_US) {
      query.atUs = packet.timestampUs;
      if (query.otherQuerier === "" && asker !== query.querier) {
        query.otherQuerier = asker;
      }
      return;
    }
    if (query !== undefined) {
      query.name = name;
      query.querier = asker;
      query.otherQuerier = "";
      query.atUs = packet.timestampUs;
      return;
    }
    mdnsQueries.set(key, 0, 0, {
      name,
      querier: asker,
      otherQuerier: "",
      atUs: packet.timestampUs,
    });
  }

  /** An NBT-NS broadcast name query. */
  function noteNbnsQuery(packet: PacketRecord): void {
    const flags = packet.nbnsFlags;
    if (nbnsOpcode(flags) !== 0 || (flags & NBNS_BROADCAST) === 0) return;
    noteQuery(packet, NBNS, packet.nbnsId, packet.nbnsName);
  }

  /** Remembers `packet`, a query of `protocol` with `id` for `name`, for its answers. */
  function noteQuery(
    packet: PacketRecord,
    protocol: number,
    id: number,
    name: string,
  ): void {
    if (name === "" || packet.srcAddressKey < 0) return;
    const key = packet.srcPort * 65_536 + id;
    const query = queries.peek(packet.srcAddressKey, key, protocol);
    if (query !== undefined) {
      query.name = name;
      query.atUs = packet.timestampUs;
      return;
    }
    queries.set(packet.srcAddressKey, key, protocol, {
      name,
      querier: packet.srcAddress,
      otherQuerier: "",
      atUs: packet.timestampUs,
    });
  }

  /** Counts `packet`, an answer of `protocol` with `id`, for its sender when it answers a query seen here. */
  function noteAnswer(
    packet: PacketRecord,
    protocol: number,
    id: number,
    report: FindingSink,
  ): void {
    const querierKey = packet.dstAddressKey;
    if (querierKey < 0 || querierKey === packet.srcAddressKey) return;
    const query = queries.peek(
      querierKey,
      packet.dstPort * 65_536 + id,
      protocol,
    );
    const nowUs = packet.timestampUs;
    if (query === undefined || nowUs - query.atUs > ANSWER_US) return;
    count(
      packet,
      protocol === NBNS ? NBNS_BIT : LLMNR_BIT,
      query.name,
      query.querier,
      report,
    );
  }

  /**
   * Counts `packet`, an mDNS response, for each address it answers a name
   * queried here with (within {@linkcode ANSWER_US}): its A and AAAA
   * records of the name, and of the name a CNAME of it gives. The answered
   * address is where the querier connects: the poisoner's, whatever MAC or
   * source address its answers come from.
   */
  function noteMdnsAnswer(packet: PacketRecord, report: FindingSink): void {
    const lines = packet.mdnsRecords.split("\n");
    const records = lines.map((line) => line.split("\t"));
    const done: string[] = [];
    for (const [owner, type] of records) {
      if (owner === undefined || type === undefined || done.includes(owner)) {
        continue;
      }
      done.push(owner);
      const query = mdnsQueries.peek(nameKeyOf(owner), 0, 0);
      if (
        query === undefined || query.name !== owner ||
        packet.timestampUs - query.atUs > ANSWER_US
      ) continue;
      // Its addresses, directly or through one alias.
      const targets = [owner];
      for (const [name, kind, value] of records) {
        if (name === owner && kind === "CNAME" && value !== undefined) {
          targets.push(value);
        }
      }
      const addresses: string[] = [];
      for (const [name, kind, value] of records) {
        if (
          value !== undefined && (kind === "A" || kind === "AAAA") &&
          targets.includes(name!) && !addresses.includes(value)
        ) addresses.push(value);
      }
      for (const address of addresses.slice(0, MAX_ADDRESSES_PER_ANSWER)) {
        // A host asking for a name it answers for itself is no victim.
        const querier = query.querier !== address &&
            query.querier !== packet.srcAddress
          ? query.querier
          : query.otherQuerier !== address &&
              query.otherQuerier !== packet.srcAddress
          ? query.otherQuerier
          : "";
        if (querier === "") continue;
        count(packet, MDNS_BIT, query.name, querier, report, address);
      }
    }
  }

  /**
   * Counts the answer `packet` of protocol bit `protocolBit` for `name`,
   * asked by `querier`: for its sender (its MAC, else its address), or,
   * given `answered` (mDNS), for the address it answered with.
   */
  function count(
    packet: PacketRecord,
    protocolBit: number,
    name: string,
    querier: string,
    report: FindingSink,
    answered = "",
  ): void {
    const nowUs = packet.timestampUs;
    const mac = packet.srcMac;
    const responderKey = answered !== ""
      ? `mdns ${answered}`
      : mac === ""
      ? packet.srcAddress
      : macKeyOf(mac, packet);
    let state = responders.get(responderKey);
    if (state === undefined) {
      state = {
        key: responderKey,
        mac,
        addresses: [],
        fanOut: newFanOut(nowUs),
        sampleNames: [],
        answers: 0,
        queriers: [],
        protocols: 0,
        wpad: false,
        wpadReportedAnswers: 0,
        firstAnswerUs: nowUs,
      };
      responders.set(responderKey, state);
    }
    const address = answered !== "" ? answered : packet.srcAddress;
    if (
      state.addresses.length < MAX_ADDRESSES &&
      !state.addresses.includes(address)
    ) state.addresses.push(address);
    // Counts start with the state, which leaves the table a window after
    // its last answer (expire): a later incident starts afresh.
    state.answers++;
    state.protocols |= protocolBit;
    if (
      state.queriers.length < MAX_SAMPLES && !state.queriers.includes(querier)
    ) {
      state.queriers.push(querier);
    }
    // mDNS names that differ only by a conflict rename's suffix ("host-2"
    // after "host": Avahi and Bonjour rename so) are one name.
    const counted = protocolBit === MDNS_BIT ? withoutRenameSuffix(name) : name;
    const nameKey = nameKeyOf(counted);
    if (
      state.sampleNames.length < MAX_SAMPLES &&
      !state.fanOut.targets.has(nameKey)
    ) state.sampleNames.push(name.slice(0, MAX_SAMPLE_LENGTH));
    const due = observeFanOut(state.fanOut, nameKey, nowUs, limits);
    if (name === WPAD || name.startsWith("wpad.")) state.wpad = true;
    if (due) {
      if (state.wpad) state.wpadReportedAnswers = state.answers;
      report(findingOf(state, config));
    } else if (state.wpad && state.wpadReportedAnswers === 0) {
      // WPAD alone is an incident: reported now, and from here on with
      // the names' cadence.
      state.wpadReportedAnswers = state.answers;
      markReported(state.fanOut, state.fanOut.targets.size, nowUs);
      state.fanOut.startUs = state.firstAnswerUs;
      report(findingOf(state, config));
    }
  }

  return {
    name: "name_poisoning",
    // NBT-NS messages are UDP datagrams of no other kind.
    packetKinds: PACKET_KIND.UDP,
    observe(packet: PacketRecord, report: FindingSink): void {
      const nbnsId = packet.nbnsId;
      const dnsId = packet.dnsId;
      if (nbnsId < 0 && dnsId < 0) return;
      const nowUs = packet.timestampUs;
      if (nowUs >= nextExpiryUs) {
        expire(nowUs, report);
        queries.expireOldest((query) => nowUs - query.atUs > ANSWER_US);
        mdnsQueries.expireOldest((query) => nowUs - query.atUs > ANSWER_US);
        nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
      }
      if (nbnsId >= 0) {
        const flags = packet.nbnsFlags;
        if ((flags & NBNS_RESPONSE) === 0) {
          if (packet.dstPort === NBNS_PORT) noteNbnsQuery(packet);
        } else if (
          packet.srcPort === NBNS_PORT && nbnsOpcode(flags) === 0 &&
          nbnsRcode(flags) === 0 && packet.nbnsAnswerCount > 0
        ) noteAnswer(packet, NBNS, nbnsId, report);
      } else if (packet.dnsResponse) {
        if (packet.srcPort === MDNS_PORT) {
          if (packet.dnsRcode === 0) noteMdnsAnswer(packet, report);
          return;
        }
        // From LLMNR's port, or to it: a querier that asks from its own
        // port 5355 (systemd-resolved) takes an answer from any port.
        if (
          (packet.srcPort === LLMNR_PORT || packet.dstPort === LLMNR_PORT) &&
          packet.dnsRcode === 0 && packet.dnsAnswerCount > 0
        ) noteAnswer(packet, LLMNR, dnsId, report);
      } else if (packet.dstPort === LLMNR_PORT) {
        noteLlmnrQuery(packet);
      } else if (packet.dstPort === MDNS_PORT) {
        noteMdnsQuery(packet);
      }
    },
    tables(): Record<string, TableStats> {
      return {
        queries: queries.stats(),
        mdns_queries: mdnsQueries.stats(),
        responders: responders.stats(),
      };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of responders.values()) reportLast(state, report);
    },
  };
}

/** The finding of `state`'s incident so far. */
function findingOf(
  state: ResponderState,
  config: Required<NamePoisoningOptions>,
): Finding {
  const fanOut = state.fanOut;
  const sampleNames = state.sampleNames;
  const distinct = fanOut.targets.size;
  const quoted = sampleNames.slice(0, 5).map((name) => `"${name}"`).join(
    ", ",
  );
  // Named by its address while it answered from one; by its MAC when it
  // used several (or forged them).
  const attacker = state.addresses.length === 1 || state.mac === ""
    ? state.addresses[0]!
    : state.mac;
  const who = attacker === state.mac
    ? `${state.mac} (from ${state.addresses.join(", ")}${
      state.addresses.length >= MAX_ADDRESSES ? ", …" : ""
    })`
    : attacker;
  const queriers = state.queriers;
  const protocols = PROTOCOL_NAMES.filter(([bit]) =>
    (state.protocols & bit) !== 0
  );
  const victim = queriers.length === 1 ? queriers[0]! : "";
  const victims = victim !== ""
    ? victim
    : `${queriers.length}${queriers.length >= MAX_SAMPLES ? "+" : ""} hosts`;
  return {
    kind: "name_poisoning",
    key: state.key,
    timestampUs: fanOut.lastGrowthUs,
    startUs: fanOut.active ? fanOut.startUs : state.firstAnswerUs,
    severity: "high",
    attacker,
    victim,
    domain: "",
    summary: `${who} answered ${
      listText(protocols.map(([, name]) => name))
    } queries of ${victims} for ${
      distinct === 1 ? "1 name" : `${distinct} distinct names`
    } within ${windowText(config.windowUs)} (${quoted}${
      distinct > 5 ? ", …" : ""
    }${state.wpad ? "; WPAD among them" : ""}): name poisoning`,
    evidence: {
      protocols: protocols.map(([, , id]) => id),
      distinctNames: distinct,
      answers: state.answers,
      sampleNames: [...sampleNames],
      responderMac: state.mac,
      sourceAddresses: [...state.addresses],
      wpad: state.wpad,
      queriers: [...queriers],
      queriersAreLowerBound: queriers.length >= MAX_SAMPLES,
      windowSeconds: config.windowUs / 1_000_000,
    },
  };
}

/** "a", "a and b", "a, b and c". */
function listText(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** `name` without a conflict rename's "-N" at the end of its first label ("host-2.local" → "host.local"). */
function withoutRenameSuffix(name: string): string {
  return name.replace(/^([^.]+?)-\d+(?=\.|$)/, "$1");
}

/** A 53-bit hash of `name` (a key word of the tables): a few bytes for a name of any length. */
function nameKeyOf(name: string): number {
  return fnv1a(name) * 2_097_152 + (polyHash(name) & 0x1f_ffff);
}
