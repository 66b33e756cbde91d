/**
 * DNS tunnelling / exfiltration detector: one client sending a registered
 * domain many unique query names that carry data (long, encoded, high-entropy
 * labels) and/or use record types that tunnels favour (NULL, TXT, CNAME, MX,
 * private-use), or receiving data in their answers.
 *
 * Queries are grouped by client and registered domain (see
 * ./registered_domain.ts); a response counts in its client's group only for
 * the data its answers carry down. Within a window of packet time each group keeps
 * counts, and a score in 0–3 sums four shares, each rate-independent so a
 * tunnel throttled to one query a minute is judged by the same name shape:
 *
 * - record type, 0–1: (NULL/private-use + ½ × TXT/CNAME/MX) ÷ queries. NULL
 *   (10) and private-use types (65280–65534, RFC 6895) have no use by
 *   ordinary clients; TXT/CNAME/MX lookups from a client are unusual but real
 *   (SPF/DKIM, mail). iodine uses NULL, dns2tcp and DNSExfiltrator TXT,
 *   dnscat2 TXT/CNAME/MX, sods CNAME/TXT/NULL. A name holding a byte no host
 *   name holds (8-bit or a control character: iodine's raw labels, sent in
 *   queries of any type with `-T A`) counts as NULL does, and an SRV query
 *   whose name is no service's (not "_service._proto…": iodine `-T SRV`) as
 *   TXT does.
 * - encoded names, 0–½: ½ × share of queries with an "encoded" subdomain —
 *   a label of ≥ {@linkcode DnsTunnelOptions.longLabelLength} (50) characters
 *   (published tunnel heuristics flag labels over 50; ordinary names stay far
 *   below the 63 limit), or a label or the whole subdomain of ≥ 12 characters
 *   that is hex with digits and letters, ≥ 30 % digits with ≥ 20 % letters,
 *   ≥ 12 letters with < 20 % vowels (base32: 5 of 32; over all labels from
 *   24 letters, so base32 cut into short labels counts), holds bytes outside
 *   letters/digits/-/_ (base64 "+/=", iodine's raw 8-bit labels), or is
 *   ≥ 24 characters with Shannon entropy ≥ 4 bits/char (the usual "entropy >
 *   ~4" heuristic for base32/base64 text; English stays below).
 * - name length, 0–1: ½ × clamp((mean subdomain length − 20) ÷ 30, 0, 1),
 *   plus ½ × clamp((mean − 50) ÷ 30, 0, 1): no host names average 80
 *   characters, so names that long carry data whatever their alphabet (hex
 *   written with 16 letters, which no class test calls encoded, in A
 *   queries);
 *   (lengths in bytes on the wire: a "\DDD" escape of the decoder's text
 *   is one byte);
 *   data-carrying names average 30–220 characters, ordinary ones under 20.
 *   Full at 50, where published heuristics start flagging labels: encoded
 *   A/AAAA names of 50 characters or more reach the threshold on shape
 *   alone (base32 exfiltration in A queries, 52-character labels, scored
 *   0.9 with a full share at 60 and went unreported).
 * - data down, 0–½: ½ × the share of the unique names answered to the
 *   client with data (at least 100 bytes of NULL or private-use answers,
 *   or of TXT answers whose text is base64, base32 or hex:
 *   capture/decode/dns_answers.ts), full at 4 in 5. A stager fetching a
 *   payload in TXT answers to short names ("1.stage…", "2.stage…": Cobalt
 *   Strike's and DNSStager's TXT staging, PowerShell download cradles over
 *   nslookup) scores ½ for its TXT queries and ½ for its answers. SPF,
 *   DKIM, DMARC, MTA-STS and prefixed verification records hold spaces,
 *   ";", ":" or an "=" inside and carry nothing; bare tokens (ACME's key
 *   authorization digests, also looked up under a CNAME-delegated name
 *   without "_acme-challenge"; Amazon SES's, Azure's, Cloudflare's
 *   verification tokens) are encoded but 32–64 bytes, under the 100
 *   (records of 100 bytes or more of encoded text do exist: external-dns's
 *   encrypted registry records, 112, and the obsolete ESNI keys, which
 *   browsers fetched over DoH; a host that looks 8 of them up under one
 *   domain is reported, allowlist it). A
 *   name counts once, however often its answer is seen. A group can reach
 *   the threshold at a response, which completes its last query's share.
 *   A TXT query under an attribute leaf ("<n>._domainkey.…") whose answer
 *   carried data counts as TXT after all (no DKIM or DMARC record's text
 *   is data). 32 KiB of data down under one domain within the window is a
 *   tunnel whatever the score (a stager mixing in queries of other names
 *   and types to dilute the shares).
 *
 * A group is reported when it has ≥ {@linkcode DnsTunnelOptions.minUniqueSubdomains}
 * (8) unique subdomains in the window and a score ≥
 * {@linkcode DnsTunnelOptions.scoreThreshold} (1.0): type evidence plus some
 * shape evidence, or encoded names that are also long. Hashy CDN names
 * queried as A/AAAA (cloudfront, googlevideo) score ½ plus a length share
 * that stays small for names under 30 characters; repeated names (Windows
 * update CDNs) never reach 8 unique subdomains. Tuned on iodine, dnscat2
 * (direct and via a resolver), dns2tcp, DNSExfiltrator and sods captures
 * (score 1.06–1.57 at the first finding) against browser, phone and Windows
 * LAN traffic (score 0). Because only shares count, a tunnel is found at any
 * rate that puts 8 unique names in one window (one query per 75 s with the
 * defaults; raise `windowUs` for slower ones).
 *
 * Ignored: reverse lookups asked as resolvers ask them (PTR, and A, AAAA,
 * NS, SOA, DS, DNSKEY on the way: QNAME minimisation, DNSSEC) of well-formed
 * names (in-addr.arpa with decimal labels, ip6.arpa with one hex digit each,
 * a DNS-SD browsing domain's "b._dns-sd._udp." in front; any other name
 * under .arpa is scored, and so is a reverse name asked as NULL or TXT: a
 * tunnel in an ip6.arpa zone delegated to its server is found), address-list
 * lookups written the same way (DNSBLs, RFC 5782:
 * "2.0.0.127.zen.spamhaus.org", or an IPv6 address's 32 nibbles under the
 * list's zone) asked as A or AAAA under a short plain zone, or as TXT under
 * a known list operator's or after the same client's address lookup of the
 * same name within a minute or two, unless a TXT answer under that domain to
 * that client in the window was longer than a listing's reason (512 bytes: a
 * mail server asks the reason after a hit; a tunnel sends its data down in
 * TXT answers), queries to the mDNS, LLMNR and NBNS ports (5353, 5355, 137)
 * of multicast, link-local or private addresses (a query from those ports to
 * a resolver's 53, or to port 5353 of a host on the Internet, is scored),
 * ".local" names, domain controllers' partner aliases
 * ("<GUID>._msdcs.<forest>", A/AAAA/CNAME), the root and single-label names,
 * and {@linkcode DnsTunnelOptions.ignoreDomains}. Names whose last label cannot be
 * a TLD (dnscat "direct mode": "dnscat.<hex>.<hex>") are grouped per client
 * under domain "".
 *
 * Sources for the thresholds: Zeek notice scripts that flag query names over
 * 52 characters (e.g. dnsexfilitration.bro in
 * Smurfs0nParade/Bro-Zeek_IDS_Signature_Based_Detection), Zeek AnomalousDNS
 * (oversize_query = 90), hunting guides that flag subdomain entropy above
 * 3.5–4 bits/char, labels over 50 characters and any NULL queries, and
 * flowscope's distinct-subdomain count per (source, registered domain) over
 * a window. Here no single indicator decides: each is a share of the group's
 * queries, so one odd name never raises a finding.
 *
 * Under more groups than the table holds, a new group gets in only from its
 * second query and only if seen more often than the group it would evict
 * (TinyLFU admission, as traffic stats use): a flood of one-query groups
 * (spoofed clients, random domains) costs a bit in the doorkeeper per query
 * and cannot flush a tunnel's counts out of the table; the tunnel is then
 * found one query later.
 *
 * Limits: a tunnel that only uses A/AAAA with short names (a few bytes per
 * query, or encoded names under 50 characters, or data written as reverse
 * names' nibbles or as an address list's lookups) scores under 1 or is not
 * scored, and is not found; TXT queries of words from an alphabet of 16
 * letters with vowels in short labels score just under 1; a resolver that forwards a tunnel is reported as a client too,
 * since it sends the same queries upstream. A stager that downloads in
 * CNAME or MX answers to short sequential names, in TXT text that is no
 * such encoding (words, an alphabet of letters or of digits alone, data
 * with spaces or colons between, raw bytes), in chunks under 100 bytes, in
 * answers to an A question or in the additional section, or one that
 * mixes in queries of other names and types and stops short of 32 KiB,
 * scores under 1, as does one whose answers the capture does not see (one
 * direction). Groups are per client address and registered domain: a tunnel
 * spread over many zones with fewer than 8 names each per window, and an
 * IPv6 client that sends each query from a new address, are not found. Messages with
 * the response bit set, single-label names, data in EDNS options or in a
 * DNS UPDATE's records, sent straight to the tunnel's server, are not
 * scored (see dns_port_misuse for what it reads there), nor is DNS over TCP
 * whose length prefix comes in a segment of its own (no reassembly). The
 * ignored domains are ignored wherever a query goes: a tunnel sent
 * straight to its own server (needing no delegation) under one of their
 * names is not scored.
 *
 * @module
 */

import { isDnsMessage } from "../capture/decode/dns.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { dnsTypeName } from "../capture/protocol_names.ts";
import { ClientServerEnds } from "./client_server.ts";
import {
  countText,
  elapsedText,
  type Finding,
  type FindingSink,
} from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { fnv1a, polyHash } from "./hash.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { TableAdmission } from "./stats/table_admission.ts";
import { hasPlausibleTld, registeredDomain } from "./registered_domain.ts";
import { CidrSet } from "./cidr.ts";
import { ListLookups, MAX_REASON_BYTES } from "./list_lookups.ts";
import {
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createDnsTunnelDetector}. */
export interface DnsTunnelOptions {
  /** Window of packet time over which a client/domain group is counted, µs. */
  windowUs?: number;
  /** Unique subdomains of one domain from one client, within a window, needed to report. */
  minUniqueSubdomains?: number;
  /** Score (0–3, see the module documentation) needed to report. */
  scoreThreshold?: number;
  /** Label length (characters) that alone makes a name "encoded". */
  longLabelLength?: number;
  /**
   * Client/domain groups tracked at once. When full, a new group gets in
   * from its second query, and only if seen more often than the least
   * recently seen group, which it evicts: a flood of one-query groups cannot
   * flush a tunnel's counts out of the table.
   */
  maxGroups?: number;
  /**
   * Subdomain hashes remembered per group. Unique counts are exact up to this
   * many, then an upper bound (a name not remembered counts as new).
   */
  maxSubdomainsPerGroup?: number;
  /** Sample query names kept per group for evidence (each cut to 100 characters); at most 10. */
  maxSampleNames?: number;
  /** Packet time between repeated findings of one group while its counts grow, µs. */
  reportIntervalUs?: number;
  /**
   * Domains never scored (a name equal to or under one of them), e.g. DNS
   * reputation services that encode file hashes in names. Lower-case.
   */
  ignoreDomains?: string[];
}

/**
 * Defaults of {@linkcode DnsTunnelOptions}: 10-minute windows, 8 unique
 * subdomains, score 1.0, 50-character labels, 4096 groups × 64 hashes and 5
 * samples (worst case about 4096 × 3 KB ≈ 13 MB, and 384 KiB for admission),
 * findings repeated at most
 * every 10 s unless counts double, and zones ignored whose names carry
 * data by design but whose servers no customer can run (a tunnel needs its
 * own authoritative server): the file-reputation zones of Sophos
 * (sophosxl.net), McAfee GTI (avqs/avts.mcafee.com) and Team Cymru's
 * malware hash registry (hash.cymru.com, which Zeek's detect-MHR queries
 * for every file it sees), AWS's generated host names (amazonaws.com:
 * load balancers' "internal-k8s-…-1234567890.us-east-1.elb.amazonaws.com"),
 * the mail block lists that put a customer's key in every name (Spamhaus
 * DQS under spamhaus.net, Abusix Mail Intelligence under abusix.zone), and
 * Amazon SES's DKIM keys ("<32 characters>.dkim.amazonses.com" TXT, which a
 * resolver asks for every domain sending through SES).
 */
export const DNS_TUNNEL_DEFAULTS = {
  windowUs: 600_000_000,
  minUniqueSubdomains: 8,
  scoreThreshold: 1.0,
  longLabelLength: 50,
  maxGroups: 4096,
  maxSubdomainsPerGroup: 64,
  maxSampleNames: 5,
  reportIntervalUs: 10_000_000,
  ignoreDomains: [
    "sophosxl.net",
    "avqs.mcafee.com",
    "avts.mcafee.com",
    "hash.cymru.com",
    "amazonaws.com",
    "spamhaus.net",
    "abusix.zone",
    "amazonses.com",
  ],
} satisfies Required<DnsTunnelOptions>;

/** The MITRE ATT&CK technique hinted in evidence (the alert layer sets the final one). */
const TECHNIQUE = "T1071.004";

/** Shortest label (or subdomain) whose character mix is judged. */
const MIN_JUDGED_LENGTH = 12;
/** Label length from which entropy alone can mark a label as encoded. */
const MIN_ENTROPY_LENGTH = 24;
/** Bits per character above which a ≥ 24-character label is encoded (base32 ≈ 4.3–5, base64 ≈ 5–6). */
const ENCODED_ENTROPY_BITS = 4.0;
/** Characters kept of each sample name. */
const SAMPLE_NAME_LENGTH = 100;
/** Ports of multicast/link-local name protocols: NBNS, mDNS, LLMNR. */
const IGNORED_PORTS: ReadonlySet<number> = new Set([137, 5353, 5355]);

/**
 * Counts of one client/domain group within the current window; its
 * {@linkcode ReportMark} counts unique subdomains. A group whose window ends,
 * or that was evicted, is reset for the next window or group
 * ({@linkcode GroupState.reset}) instead of replaced: under many clients a
 * new object, set, map and array per group filled the old generation.
 */
class GroupState extends ClientServerEnds implements ReportMark {
  /** Hash of its table key, for admission (table_admission.ts). */
  hash = 0;
  /** Sightings not yet added to the admission sketch, and its halving count then (table_admission.ts). */
  unsyncedHits = 0;
  unsyncedGeneration = 0;
  domain = "";
  windowStartUs = 0;
  lastSeenUs = 0;
  queries = 0;
  uniqueSubdomains = 0;
  readonly hashes = new Set<number>();
  encoded = 0;
  strongTypes = 0;
  mediumTypes = 0;
  subdomainChars = 0;
  labels = 0;
  labelChars = 0;
  maxLabelLength = 0;
  entropySum = 0;
  nameBytes = 0;
  queryBytes = 0;
  /** Names answered to the client with data (dns_answers.ts; each once), and the bytes of it. */
  dataAnswers = 0;
  answerDataBytes = 0;
  /** Hashes of those names, up to `maxSubdomainsPerGroup`. */
  readonly dataNames = new Set<number>();
  readonly qtypes = new Map<number, number>();
  readonly samples: string[] = [];
  reportedCount = 0;
  lastReportUs = -Infinity;

  /** Starts a window of `domain` at `packet` (its client and server), emptying the counts. */
  reset(packet: PacketRecord, domain: string): this {
    // The server is the destination of the first query in the window.
    this.setEnds(packet, true);
    this.domain = domain;
    this.windowStartUs = packet.timestampUs;
    this.lastSeenUs = packet.timestampUs;
    this.queries = 0;
    this.uniqueSubdomains = 0;
    this.hashes.clear();
    this.encoded = 0;
    this.strongTypes = 0;
    this.mediumTypes = 0;
    this.subdomainChars = 0;
    this.labels = 0;
    this.labelChars = 0;
    this.maxLabelLength = 0;
    this.entropySum = 0;
    this.nameBytes = 0;
    this.queryBytes = 0;
    this.dataAnswers = 0;
    this.answerDataBytes = 0;
    this.dataNames.clear();
    this.qtypes.clear();
    this.samples.length = 0;
    this.reportedCount = 0;
    this.lastReportUs = -Infinity;
    return this;
  }
}

/**
 * Creates the DNS tunnelling detector (kind "dns_tunnel"): attacker = the
 * querying client, victim = the DNS server its queries go to, domain = the
 * registered domain ("" for names without a plausible TLD).
 *
 * @example
 * ```ts
 * const detector = createDnsTunnelDetector({ minUniqueSubdomains: 10 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createDnsTunnelDetector(
  options: DnsTunnelOptions = {},
): Detector {
  const config = { ...DNS_TUNNEL_DEFAULTS, ...options };
  const {
    windowUs,
    minUniqueSubdomains,
    scoreThreshold,
    longLabelLength,
    maxSubdomainsPerGroup,
    reportIntervalUs,
  } = config;
  const limits: QueryLimits = {
    longLabelLength,
    maxSubdomainsPerGroup,
    maxSampleNames: Math.min(10, Math.max(0, config.maxSampleNames)),
  };
  const ignoreDomains = config.ignoreDomains.map((domain) =>
    domain.toLowerCase()
  );
  // Keyed by the client's address key and two hashes of the domain (the
  // state's own domain is checked too, so a collision cannot merge groups).
  // Recycled: nothing keeps a group once it leaves (findings copy what they show).
  const groups = new NumericKeyMap<GroupState>(config.maxGroups, undefined, {
    recycle: true,
  });
  // The address-list names each client asked an address of lately: its
  // TXT (the listing's reason) may come next.
  const listLookups = new ListLookups(windowUs);
  // Admission into the full table, fed every scored query's group.
  const admission = new TableAdmission();
  let nextExpiryUs = -Infinity;

  // Outside observe: a closure there capturing nowUs would make V8 allocate
  // a context for every packet (see bench/findings.md).
  function expire(nowUs: number): void {
    groups.expireOldest((state) => nowUs - state.lastSeenUs >= windowUs);
  }

  /**
   * A response whose answers carry data down (NULL and private-use
   * records, encoded TXT text: at least {@linkcode DATA_ANSWER_MIN_BYTES})
   * to a client: counted in the client's group of the question's domain,
   * if it has one in its window, once per name. A group can reach the
   * score here first: its last query's answer completes its share.
   */
  function onDataAnswer(packet: PacketRecord, report: FindingSink): void {
    const name = packet.dnsQname;
    if (name === "" || !name.includes(".")) return;
    const domain = domainOf(name);
    const state = groups.peek(
      packet.dstAddressKey,
      fnv1a(domain),
      polyHash(domain),
    );
    const nowUs = packet.timestampUs;
    if (
      state === undefined || state.domain !== domain ||
      nowUs - state.windowStartUs >= windowUs
    ) return;
    // Once per name: a response seen twice (retransmitted, duplicated by
    // the capture, or forged) is no more data down.
    const nameHash = fnv1a(name);
    if (state.dataNames.has(nameHash)) return;
    if (state.dataNames.size < maxSubdomainsPerGroup) {
      state.dataNames.add(nameHash);
    }
    state.dataAnswers++;
    state.answerDataBytes += packet.dnsAnswerDataBytes;
    // A TXT query under an attribute leaf counted for nothing (a mail
    // server's DKIM or DMARC lookup), but no such record's text is data:
    // this one was a stager's, named to pass for one.
    if (
      packet.dnsQtype === QTYPE_TXT &&
      hasAttributeLeaf(subdomainOf(name, domain)) &&
      state.mediumTypes + state.strongTypes < state.queries
    ) state.mediumTypes++;
    if (
      state.reportedCount > 0 ||
      state.uniqueSubdomains < minUniqueSubdomains ||
      !isTunnel(state, scoreThreshold)
    ) return;
    markReported(state, state.uniqueSubdomains, nowUs);
    report(findingOf(state, nowUs, windowUs));
  }

  return {
    name: "dns_tunnel",
    packetKinds: PACKET_KIND.DNS,
    observe(packet: PacketRecord, report: FindingSink): void {
      // Queries, of DNS messages only (not another protocol on a DNS port);
      // of answers, a long one to an address list's TXT lookup.
      if (packet.dnsResponse) {
        if (
          packet.dnsQtype === QTYPE_TXT &&
          packet.payloadLength > MAX_REASON_BYTES && isDnsMessage(packet)
        ) noteReasonAnswer(packet, listLookups);
        if (packet.dnsAnswerDataBytes >= DATA_ANSWER_MIN_BYTES) {
          onDataAnswer(packet, report);
        }
        return;
      }
      if (!isDnsMessage(packet)) return;
      const name = packet.dnsQname;
      if (!isScoredName(name, packet, ignoreDomains, listLookups)) return;
      const nowUs = packet.timestampUs;
      if (nowUs >= nextExpiryUs) {
        expire(nowUs);
        nextExpiryUs = nowUs + 1_000_000;
      }

      const domain = domainOf(name);
      const subdomain = subdomainOf(name, domain);
      const client = packet.srcAddressKey;
      const domainHash = fnv1a(domain);
      const domainCheck = polyHash(domain);
      const hash = hashKey(client, domainHash, domainCheck);
      let state = groups.get(client, domainHash, domainCheck, hash);
      if (state === undefined) {
        if (admission.refuses(groups, hash)) return;
        state = (groups.spare() ?? new GroupState()).reset(packet, domain);
        state.hash = hash;
        state.unsyncedHits = 0;
        state.unsyncedGeneration = 0;
        groups.add(client, domainHash, domainCheck, state, hash);
      } else {
        admission.countHit(state);
        if (
          nowUs - state.windowStartUs >= windowUs || state.domain !== domain
        ) {
          state.reset(packet, domain); // a new window, or another domain with the same hashes
        }
      }
      state.lastSeenUs = nowUs;
      observeQuery(state, subdomain, packet, limits);

      if (state.uniqueSubdomains < minUniqueSubdomains) return;
      const unique = state.uniqueSubdomains;
      if (
        state.reportedCount === 0
          ? !isTunnel(state, scoreThreshold)
          : !isGrowthReportDue(state, unique, nowUs, reportIntervalUs)
      ) return;
      markReported(state, unique, nowUs);
      report(findingOf(state, nowUs, windowUs));
    },
    tables(): Record<string, TableStats> {
      return { groups: admission.stats(groups) };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of groups.values()) {
        const unique = state.uniqueSubdomains;
        const lastUs = state.lastSeenUs;
        if (!isFinalReportDue(state, unique, lastUs)) continue;
        markReported(state, unique, lastUs);
        report(findingOf(state, lastUs, windowUs));
      }
    },
  };
}

/** The domain a name's group is kept under: its registered domain, or "" when its last label cannot be a TLD (see the module documentation). */
function domainOf(name: string): string {
  return hasPlausibleTld(name) ? registeredDomain(name) : "";
}

/** `name` without `domain` (its {@linkcode domainOf}) and the dot before it; the whole name when `domain` is "". */
function subdomainOf(name: string, domain: string): string {
  if (domain === "") return name;
  return name.length > domain.length
    ? name.slice(0, name.length - domain.length - 1)
    : "";
}

/** Limits that {@linkcode observeQuery} needs from the options. */
interface QueryLimits {
  longLabelLength: number;
  maxSubdomainsPerGroup: number;
  maxSampleNames: number;
}

function observeQuery(
  state: GroupState,
  subdomain: string,
  packet: PacketRecord,
  limits: QueryLimits,
): void {
  const { longLabelLength, maxSubdomainsPerGroup, maxSampleNames } = limits;
  state.queries++;
  state.queryBytes += packet.payloadLength;
  const hash = fnv1a(subdomain);
  if (!state.hashes.has(hash)) {
    state.uniqueSubdomains++;
    if (state.hashes.size < maxSubdomainsPerGroup) state.hashes.add(hash);
  }
  const shape = shapeOf(subdomain, longLabelLength);
  // In bytes on the wire, as the subdomain's length: the decoder's text
  // spells an 8-bit byte of iodine's raw labels as four characters.
  state.nameBytes += shape.wireLength +
    (packet.dnsQname.length - subdomain.length);
  const qtype = packet.dnsQtype;
  // Bytes no host name holds (8-bit or control) weigh as NULL does: iodine
  // sends its raw-encoded data so in queries of any type.
  const strong = qtype === 10 || (qtype >= 65280 && qtype <= 65534) ||
    shape.binary;
  // SRV, unless the name is a service's ("_ldap._tcp…": iodine -T SRV's
  // data labels are not); TXT, unless a mail server's lookup of a known
  // attribute leaf (RFC 8552: DKIM's "selector1-contoso-com._domainkey.
  // contoso", "_dmarc", "_mta-sts") whose other labels carry no data.
  const medium = (qtype === 16 &&
    !(!shape.encoded && hasAttributeLeaf(subdomain))) ||
    qtype === 5 || qtype === 15 ||
    (qtype === 33 && subdomain.charCodeAt(0) !== 0x5f);
  if (strong) state.strongTypes++;
  else if (medium) state.mediumTypes++;
  if (state.qtypes.has(qtype) || state.qtypes.size < 16) {
    state.qtypes.set(qtype, (state.qtypes.get(qtype) ?? 0) + 1);
  }

  state.subdomainChars += shape.wireLength;
  state.labels += shape.labels;
  state.labelChars += shape.labelChars;
  if (shape.maxLabelLength > state.maxLabelLength) {
    state.maxLabelLength = shape.maxLabelLength;
  }
  state.entropySum += shape.entropyBits;
  if (shape.encoded) state.encoded++;
  if (
    (shape.encoded || strong || medium) &&
    state.samples.length < maxSampleNames &&
    !state.samples.includes(packet.dnsQname.slice(0, SAMPLE_NAME_LENGTH))
  ) {
    state.samples.push(packet.dnsQname.slice(0, SAMPLE_NAME_LENGTH));
  }
}

/** Attribute leaves (RFC 8552) of mail and certificate checks, whose TXT records every mail server or ACME client looks up. */
const ATTRIBUTE_LEAVES: ReadonlySet<string> = new Set([
  "_domainkey",
  "_dmarc",
  "_mta-sts",
  "_tls",
  "_bimi",
  "_acme-challenge",
]);

/** Whether one of `subdomain`'s labels is a known attribute leaf ({@linkcode ATTRIBUTE_LEAVES}); any other label starting with "_" is not. */
function hasAttributeLeaf(subdomain: string): boolean {
  if (subdomain.indexOf("_") < 0) return false;
  for (const label of subdomain.split(".")) {
    if (ATTRIBUTE_LEAVES.has(label.toLowerCase())) return true;
  }
  return false;
}

function isScoredName(
  name: string,
  packet: PacketRecord,
  ignoreDomains: readonly string[],
  listLookups: ListLookups,
): boolean {
  if (name === "" || !name.includes(".")) return false;
  // Sent to a multicast name protocol's port on the local network (a query
  // from port 5353 to a resolver's 53 is unicast DNS, as is one to port
  // 5353 of a host on the Internet: any program can bind 5353).
  if (
    IGNORED_PORTS.has(packet.dstPort) && LOCAL_NAME_PEERS.hasDestination(packet)
  ) {
    return false;
  }
  const qtype = packet.dnsQtype;
  // Reverse lookups, well formed and asked as resolvers ask them (an
  // ip6.arpa zone delegated to a tunnel's server carries other labels, or
  // NULL and TXT records), and ".local" names.
  if (name.endsWith(".local")) return false;
  if (REVERSE_LOOKUP_TYPES.has(qtype) && isReverseLookup(name)) return false;
  // A domain controller resolving a replication partner by its GUID.
  if (isDcGuidAlias(name, qtype)) return false;
  // The same for address lists (DNSBLs, RFC 5782): an address written as
  // reverse lookups write it, under the list's zone, a short plain name
  // ("zen.spamhaus.org"; a tunnel's data after an address is no list's),
  // asked for an address (A, AAAA: getaddrinfo asks both), or for the
  // listing's reason (TXT) of a known list operator (a TXT answer carries
  // a tunnel's downstream data under a zone of its own).
  // A mail server asks a list's TXT (the listing's reason) only after an
  // address lookup of the same name hit.
  const prefix = addressPrefixLength(name);
  if (prefix > 0 && (qtype === QTYPE_A || qtype === QTYPE_AAAA)) {
    const zone = name.slice(prefix);
    if (isListZone(zone)) {
      listLookups.noteAddress(
        packet.srcAddressKey,
        name,
        registeredDomain(zone),
        packet.timestampUs,
      );
      return false;
    }
  } else if (prefix > 0 && qtype === QTYPE_TXT) {
    const zone = name.slice(prefix);
    if (isListZone(zone)) {
      const list = registeredDomain(zone);
      if (LIST_OPERATORS.has(list)) return false;
      if (
        listLookups.excusesReason(
          packet.srcAddressKey,
          name,
          list,
          packet.timestampUs,
        )
      ) return false;
    }
  }
  for (const domain of ignoreDomains) {
    if (
      name === domain ||
      (name.endsWith(domain) &&
        name.charCodeAt(name.length - domain.length - 1) === 0x2e)
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Whether `name` begins with an address written as reverse lookups write
 * it: 32 single hex-digit labels (an IPv6 address's nibbles) or four
 * decimal labels of at most 3 digits (IPv4), then more labels.
 */
export function startsWithAddress(name: string): boolean {
  return addressPrefixLength(name) > 0;
}

/** Where a query to the mDNS, LLMNR or NBNS port is one of those protocols': multicast, link-local and private destinations. */
const LOCAL_NAME_PEERS = new CidrSet([
  "224.0.0.0/4",
  "169.254.0.0/16",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "ff00::/8",
  "fe80::/10",
  "fc00::/7",
]);

/** Query types resolvers ask of reverse names: PTR, and A, AAAA, NS, SOA, DS, DNSKEY on the way (QNAME minimisation, DNSSEC). */
const REVERSE_LOOKUP_TYPES: ReadonlySet<number> = new Set([
  12,
  1,
  28,
  2,
  6,
  43,
  48,
]);

/** Registered domains of DNS block list operators whose lists answer TXT lookups of an address with the listing's reason. */
const LIST_OPERATORS: ReadonlySet<string> = new Set([
  "spamhaus.org",
  "spamcop.net",
  "barracudacentral.org",
  "sorbs.net",
  "surriel.com",
  "abuseat.org",
  "mailspike.net",
  "manitu.net",
  "uceprotect.net",
  "gbudb.net",
  "0spam.org",
  "junkemailfilter.com",
  "dnswl.org",
  "blocklist.de",
  "dronebl.org",
  "efnetrbl.org",
  "anonmails.de",
  "nordspam.com",
  "backscatterer.org",
  "spamrats.com",
  "s5h.net",
  "interserver.net",
  "senderscore.com",
  "justspam.org",
  "wpbl.info",
  "unsubscore.com",
  "swinog.ch",
  "bit.nl",
  "imp.ch",
]);

/** An Active Directory DSA GUID alias: "<GUID>._msdcs.<forest root>". */
const DC_GUID_ALIAS =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\._msdcs\./;

/** Whether `name` is a domain controller's partner alias asked as DCs ask it (A, AAAA, CNAME). */
function isDcGuidAlias(name: string, qtype: number): boolean {
  return (qtype === QTYPE_A || qtype === QTYPE_AAAA || qtype === QTYPE_CNAME) &&
    name.charCodeAt(8) === 0x2d && DC_GUID_ALIAS.test(name);
}

/** Notes a long answer to a TXT lookup of an address-list name (a tunnel's downstream, not a listing's reason). */
function noteReasonAnswer(packet: PacketRecord, lists: ListLookups): void {
  const name = packet.dnsQname;
  const prefix = addressPrefixLength(name);
  if (prefix === 0) return;
  const zone = name.slice(prefix);
  if (!isListZone(zone)) return;
  lists.noteReasonAnswer(
    packet.dstAddressKey,
    registeredDomain(zone),
    packet.payloadLength,
    packet.timestampUs,
  );
}

/** Query types an address list is asked with. */
const QTYPE_A = 1;
const QTYPE_TXT = 16;
const QTYPE_AAAA = 28;
const QTYPE_CNAME = 5;

/** Labels of DNS-SD's browsing domains under a reverse zone (RFC 6763 §11: "b._dns-sd._udp.0.168.192.in-addr.arpa"). */
const REVERSE_SERVICE_LABELS: ReadonlySet<string> = new Set([
  "b",
  "db",
  "r",
  "dr",
  "lb",
]);

/**
 * Whether `name` is a reverse lookup: under in-addr.arpa, decimal labels
 * of 0–255 (and RFC 2317's "0-25" or "0/25" delegations); under ip6.arpa,
 * one hex digit each; with a DNS-SD browsing domain's three labels in
 * front ("b._dns-sd._udp."). A name under either with other labels (a
 * tunnel's data in a zone delegated to its server) is not.
 */
function isReverseLookup(name: string): boolean {
  const ipv4 = name.endsWith(".in-addr.arpa");
  if (!ipv4 && !name.endsWith(".ip6.arpa")) return false;
  const labels = name.slice(0, name.lastIndexOf(ipv4 ? ".in-addr" : ".ip6"))
    .split(".");
  // RFC 6763 §11's browsing domains: "b._dns-sd._udp." and its kin, only.
  const first = labels[0] ?? "";
  const service = REVERSE_SERVICE_LABELS.has(first) &&
      labels[1] === "_dns-sd" && labels[2] === "_udp"
    ? 3
    : 0;
  for (let i = service; i < labels.length; i++) {
    if (
      !(ipv4 ? /^\d{1,3}([-/]\d{1,3})?$/ : /^[0-9a-f]$/).test(labels[i]!)
    ) {
      return false;
    }
  }
  return labels.length - service <= (ipv4 ? 4 : 32);
}

/** Characters of the address that `name` begins with, its last dot included (see {@linkcode startsWithAddress}), or 0. */
function addressPrefixLength(name: string): number {
  if (name.length > 64 && isNibbleRun(name, 32)) return 64;
  let at = 0;
  for (let label = 0; label < 4; label++) {
    let digits = 0;
    while (at < name.length && isDigit(name.charCodeAt(at))) {
      at++;
      digits++;
    }
    if (digits === 0 || digits > 3 || name.charCodeAt(at) !== 0x2e) {
      return 0;
    }
    at++;
  }
  return at < name.length ? at : 0;
}

/** Longest address list zone, characters ("ix.dnsbl.manitu.net", "hostkarma.junkemailfilter.com"). */
const MAX_LIST_ZONE_LENGTH = 40;

/** Whether `zone`, after an address, is an address list's: short, and no label of it encoded (see {@linkcode shapeOf}). */
function isListZone(zone: string): boolean {
  return zone.length <= MAX_LIST_ZONE_LENGTH &&
    !shapeOf(zone, DNS_TUNNEL_DEFAULTS.longLabelLength).encoded;
}

/** Whether the "\\DDD" escape at `at` of `text` stands for an 8-bit byte or a control character. */
function isBinaryEscape(text: string, at: number): boolean {
  const value = (text.charCodeAt(at + 1) - 0x30) * 100 +
    (text.charCodeAt(at + 2) - 0x30) * 10 + (text.charCodeAt(at + 3) - 0x30);
  return value >= 0x80 || value < 0x20;
}

/** Whether `name` begins with `count` labels of one hex digit each, followed by a dot. */
function isNibbleRun(name: string, count: number): boolean {
  for (let i = 0; i < count; i++) {
    const code = name.charCodeAt(2 * i);
    const hex = isDigit(code) || (code >= 0x61 && code <= 0x66);
    if (!hex || name.charCodeAt(2 * i + 1) !== 0x2e) return false;
  }
  return true;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Share of the unique names answered with data at which the download share is full. */
const DATA_ANSWER_SHARE = 0.8;

/** Least data a response's answers carry down to count (bare tokens, as ACME's digests and verification records, are 32–64 bytes; a stager's chunks 200–255). */
const DATA_ANSWER_MIN_BYTES = 100;

/** Encoded data down to one client under one domain within the window that makes a tunnel whatever the shares (a stager diluting them with other queries). */
const DATA_DOWN_TUNNEL_BYTES = 32_768;

/** Whether a group with enough unique names is reported: its score at `threshold`, or {@linkcode DATA_DOWN_TUNNEL_BYTES} of data down. */
function isTunnel(state: GroupState, threshold: number): boolean {
  return scoreOf(state) >= threshold ||
    state.answerDataBytes >= DATA_DOWN_TUNNEL_BYTES;
}

/** The group's score, 0–3 (see the module documentation). */
function scoreOf(state: GroupState): number {
  const queries = state.queries;
  const typeScore = (state.strongTypes + 0.5 * state.mediumTypes) / queries;
  const encodedScore = 0.5 * state.encoded / queries;
  const meanLength = state.subdomainChars / queries;
  // Half a point by 50 characters, a whole one by 80 (no host name is that
  // long: only names carrying data, whatever their alphabet).
  const lengthScore = 0.5 * Math.min(1, Math.max(0, (meanLength - 20) / 30)) +
    0.5 * Math.min(1, Math.max(0, (meanLength - 50) / 30));
  // Full when 4 names in 5 were answered with data (a stager's last chunk,
  // or a first answer giving the chunk count, may be short).
  const downloadScore = 0.5 * Math.min(
    1,
    state.dataAnswers / (DATA_ANSWER_SHARE * state.uniqueSubdomains),
  );
  return typeScore + encodedScore + lengthScore + downloadScore;
}

function findingOf(
  state: GroupState,
  nowUs: number,
  windowUs: number,
): Finding {
  const score = scoreOf(state);
  const elapsedUs = Math.max(0, nowUs - state.windowStartUs);
  const meanEntropy = state.entropySum / state.queries;
  const qtypes = [...state.qtypes].sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([qtype, count]) => `${dnsTypeName(qtype)}=${count}`);
  const capped = state.uniqueSubdomains > state.hashes.size;
  const domainText = state.domain === "" ? "names without a TLD" : state.domain;
  return {
    kind: "dns_tunnel",
    key: `${state.client}|${state.domain}`,
    timestampUs: nowUs,
    startUs: state.windowStartUs,
    severity: score >= 1.5 || state.uniqueSubdomains >= 100 ? "high" : "medium",
    attacker: state.client,
    victim: state.server,
    domain: state.domain,
    // Past the group's bound a subdomain not among those kept counts as
    // new, repeats included: the count is then an upper bound.
    summary: `${state.client} sent ${state.queries} DNS queries with ${
      capped ? `${state.hashes.size} to ` : ""
    }${state.uniqueSubdomains} unique subdomains of ${domainText} to ${state.server} in ${
      elapsedText(elapsedUs)
    } (longest label ${state.maxLabelLength}, mean entropy ${
      round(meanEntropy, 2)
    } bits/char, ${qtypes.slice(0, 3).join(" ")}${
      state.dataAnswers > 0
        ? `; ${
          countText(state.dataAnswers, "answer")
        } carried ${state.answerDataBytes} bytes of data down`
        : ""
    }): likely DNS tunnelling`,
    evidence: {
      technique: TECHNIQUE,
      domain: state.domain,
      client: state.client,
      server: state.server,
      queries: state.queries,
      uniqueSubdomains: state.uniqueSubdomains,
      uniqueSubdomainsIsUpperBound: capped,
      maxLabelLength: state.maxLabelLength,
      meanLabelLength: round(
        state.labels ? state.labelChars / state.labels : 0,
        1,
      ),
      meanSubdomainLength: round(state.subdomainChars / state.queries, 1),
      meanEntropyBits: round(meanEntropy, 2),
      encodedShare: round(state.encoded / state.queries, 2),
      tunnelTypeShare: round(
        (state.strongTypes + state.mediumTypes) / state.queries,
        2,
      ),
      qtypes,
      sampleNames: [...state.samples],
      nameBytes: state.nameBytes,
      queryBytes: state.queryBytes,
      dataAnswers: state.dataAnswers,
      answerDataBytes: state.answerDataBytes,
      queriesPerMinute: round(
        elapsedUs > 0 ? state.queries / (elapsedUs / 60e6) : state.queries,
        1,
      ),
      score: round(score, 2),
      windowSeconds: windowUs / 1e6,
    },
  };
}

/** Shape of one subdomain: label statistics, entropy and whether it looks encoded. */
interface SubdomainShape {
  labels: number;
  labelChars: number;
  /** Bytes of the subdomain on the wire, its labels and the dots between them (an escape is one byte). */
  wireLength: number;
  /** Whether it holds a byte no host name holds: 8-bit (0x80 and up) or a control character. */
  binary: boolean;
  maxLabelLength: number;
  /** Shannon entropy of the subdomain's characters (dots excluded), bits/char. */
  entropyBits: number;
  encoded: boolean;
}

const scratchCounts = new Uint32Array(256);
const scratchTouched = new Uint8Array(256);

function shapeOf(subdomain: string, longLabelLength: number): SubdomainShape {
  let labels = 0;
  let labelChars = 0;
  let maxLabelLength = 0;
  let encoded = false;
  let start = 0;
  // "\DDD" escapes in the current label: 4 characters for one byte.
  let escapes = 0;
  let binary = false;
  for (let i = 0; i <= subdomain.length; i++) {
    if (i < subdomain.length) {
      const code = subdomain.charCodeAt(i);
      if (code !== 0x2e) {
        if (code === 0x5c) {
          escapes++;
          if (!binary) binary = isBinaryEscape(subdomain, i);
        }
        continue;
      }
    }
    const length = i - start - 3 * escapes;
    escapes = 0;
    if (length > 0) {
      labels++;
      labelChars += length;
      if (length > maxLabelLength) maxLabelLength = length;
      if (!encoded) {
        encoded = length >= longLabelLength ||
          isEncodedText(subdomain, start, i, true);
      }
    }
    start = i + 1;
  }
  // Short labels can still carry data together ("0-60451.id-1605.down.tun";
  // base32 cut into 11-character labels: few vowels over 24 letters).
  if (!encoded && labels > 1 && labelChars >= MIN_JUDGED_LENGTH) {
    encoded = isEncodedText(subdomain, 0, subdomain.length, false);
  }
  return {
    labels,
    labelChars,
    wireLength: labels > 0 ? labelChars + labels - 1 : 0,
    maxLabelLength,
    binary,
    entropyBits: entropyOf(subdomain, 0, subdomain.length),
    encoded,
  };
}

/**
 * Whether characters `start`..`end` of `text` (dots skipped) look like encoded
 * data. `singleLabel` also applies the vowel, byte-set and entropy tests,
 * which only make sense within one label.
 */
function isEncodedText(
  text: string,
  start: number,
  end: number,
  singleLabel: boolean,
): boolean {
  // Counted without branches on the characters (encoded data is random, so
  // branches on it are mispredicted): each character adds its class bits.
  let length = 0;
  let digits = 0;
  let letters = 0;
  let vowels = 0;
  let seen = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    const bits = code < 0x80 ? CHAR_CLASS[code]! : OTHER_CHAR;
    length += bits & COUNTED;
    digits += (bits & DIGIT) >> 1;
    letters += (bits & LETTER) >> 2;
    vowels += (bits & VOWEL) >> 3;
    seen |= bits;
  }
  const hexOnly = (seen & NOT_HEX) === 0;
  const otherBytes = (seen & OTHER) !== 0;
  if (length < MIN_JUDGED_LENGTH) return false;
  if (hexOnly && digits >= 2 && letters >= 2) return true;
  if (digits >= 0.3 * length && letters >= 0.2 * length) return true;
  if (!singleLabel) {
    return letters >= MIN_ENTROPY_LENGTH && vowels < 0.2 * letters;
  }
  if (otherBytes) return true;
  if (letters >= MIN_JUDGED_LENGTH && vowels < 0.2 * letters) return true;
  return length >= MIN_ENTROPY_LENGTH &&
    entropyOf(text, start, end) >= ENCODED_ENTROPY_BITS;
}

/** Class bits of a character in {@linkcode isEncodedText} (its count bit and field are in the low four). */
const COUNTED = 1;
const DIGIT = 2;
const LETTER = 4;
const VOWEL = 8;
/** A letter above "f", or anything but a digit or letter. */
const NOT_HEX = 16;
/** Anything but a digit, letter, "-" or "_" (a dot is not counted at all). */
const OTHER = 32;

/** Class bits of any other character. */
const OTHER_CHAR = COUNTED | NOT_HEX | OTHER;

/** Class bits of each ASCII character (names are lower case; upper-case letters are other bytes). */
const CHAR_CLASS = Uint8Array.from({ length: 0x80 }, (_, code) => {
  if (code === 0x2e) return 0;
  if (code >= 0x30 && code <= 0x39) return COUNTED | DIGIT;
  if (code >= 0x61 && code <= 0x7a) {
    const vowel = code === 0x61 || code === 0x65 || code === 0x69 ||
      code === 0x6f || code === 0x75;
    return COUNTED | LETTER | (vowel ? VOWEL : 0) |
      (code > 0x66 ? NOT_HEX : 0);
  }
  if (code === 0x2d || code === 0x5f) return COUNTED | NOT_HEX;
  return OTHER_CHAR;
});

/** c × log2(c) for each count c a character can have in a name's text (at most 4 × 255). */
const COUNT_LOG_COUNT = Float64Array.from(
  { length: 1_024 },
  (_, count) => count === 0 ? 0 : count * Math.log2(count),
);

/** c × log2(c), from the table when it holds c. */
function countLogCount(count: number): number {
  return count < COUNT_LOG_COUNT.length
    ? COUNT_LOG_COUNT[count]!
    : count * Math.log2(count);
}

/**
 * Shannon entropy of characters `start`..`end` of `text` in bits per
 * character, dots excluded (characters above U+00FF share buckets), as
 * log2(n) − Σ c·log2(c) / n over the n characters and each character's count
 * c: the same sum as −Σ p·log2(p), with one logarithm looked up per count.
 */
function entropyOf(text: string, start: number, end: number): number {
  let total = 0;
  let distinct = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2e) continue;
    const bucket = code & 0xff;
    if (scratchCounts[bucket] === 0) scratchTouched[distinct++] = bucket;
    scratchCounts[bucket]!++;
    total++;
  }
  let sum = 0;
  for (let j = 0; j < distinct; j++) {
    const bucket = scratchTouched[j]!;
    sum += countLogCount(scratchCounts[bucket]!);
    scratchCounts[bucket] = 0;
  }
  return total === 0 ? 0 : countLogCount(total) / total - sum / total;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
