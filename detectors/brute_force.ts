/**
 * Brute force detector: one client guessing passwords at a login service
 * (hydra, medusa, ncrack, Metasploit's login scanners, kerbrute, a worm's
 * dictionary), as Zeek's detect-bruteforcing counts failed SSH logins.
 *
 * Two kinds of evidence, counted within a sliding window of packet time:
 *
 * - **Failed logins said in clear**: the servers' own refusals
 *   (`PacketRecord.authFailure`, capture/decode/auth_reply.ts: FTP 530,
 *   SMTP 535, POP3 -ERR, IMAP NO to a login, SMB logon failure, MySQL
 *   1045, PostgreSQL 28P01, LDAP invalidCredentials, Kerberos
 *   pre-authentication failed). `minFailures` of them to one client from
 *   one service (its port), over all the servers that refused it, make a
 *   brute force; refusals from `sprayServers` servers or more are password
 *   spraying (T1110.003), one password tried across many hosts.
 * - **Connections to a login service that encrypts**, where no refusal can
 *   be read: SSH (22), Telnet (23), RDP (3389) and VNC (5900). Guessing
 *   tools open a connection for every few guesses (sshd allows six tries a
 *   connection, hydra makes four); people and scripts that log in keep
 *   theirs, or open a few. A connection counts when the server sends its
 *   first byte (SSH's, VNC's and Telnet's greeting, RDP's connection
 *   confirm): the sequence number one past its SYN/ACK's, so a SYN scan's
 *   answered probe, which is reset before any data, is no connection.
 *   `minConnections` connections from one server's port to one client
 *   make a brute force.
 *
 * One incident per client and service port; the victim is the first
 * server counted (a spray's servers are listed in the evidence). An
 * incident ends when a window passes without its evidence.
 *
 * Defaults follow Zeek's `SSH::password_guesses_limit` (30) within a
 * window of five minutes (Zeek's is 30 minutes; hydra's default 16 tasks
 * make hundreds of guesses a minute, a slow guesser fewer than 30 in five
 * minutes is not found). A Windows logon that fails retries three or four
 * times (the shared SMB capture's five refusals), a mail client with a
 * stale password fails once a poll.
 *
 * Limits: connections are counted, not guesses, on the encrypted
 * services, so a host that logs in to one server over SSH more than
 * `minConnections` times within the window (an Ansible run without
 * ControlPersist, a CI runner fetching over git+ssh, check_by_ssh with
 * many services) is reported too: allowlist it. A guesser that keeps one
 * connection open for many guesses (a Telnet login's three tries, an RDP
 * client that reconnects slowly) counts once per connection. A login
 * failure over TLS (POP3S, IMAPS, SMTPS, LDAPS, HTTPS forms) or through
 * HTTP (401 answers, login forms) is not read, nor is a refusal split
 * across segments so that its first bytes are not at a segment's start.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import type {
  Finding,
  FindingSink,
  MitreTechnique,
  Severity,
} from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";
import {
  advanceBucket,
  previousBucketWeight,
  windowedCount,
} from "./time_buckets.ts";

/** Options of {@linkcode createBruteForceDetector}. */
export interface BruteForceOptions {
  /** Failed logins one service's servers refused one client, within the window, that make a brute force. */
  minFailures?: number;
  /** Connections one server's login port (see `connectionPorts`) accepted from one client, within the window, that make a brute force. */
  minConnections?: number;
  /** Servers that refused one client's logins to one service, within an incident, that make it password spraying. */
  sprayServers?: number;
  /** Window over which failures and connections are counted, and quiet time that ends an incident, µs of packet time. */
  windowUs?: number;
  /** TCP ports of login services that encrypt their logins, whose accepted connections are counted. */
  connectionPorts?: number[];
  /** (client, server, port) connection counters held at once; beyond this the least recently active is forgotten. */
  maxConnectionPairs?: number;
  /** (client, port) failure counters and incidents held at once; beyond this the least recently active is evicted (an incident's last figures reported first). */
  maxClients?: number;
  /** Packet time between repeated findings of one incident (unless its count doubled), µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode BruteForceOptions}.
 *
 * - `minFailures` 30 and `minConnections` 30 within `windowUs` 5 minutes:
 *   Zeek's guess limit; hydra against sshd (four tasks, sshd's delay after
 *   each wrong password) opens about ten connections a minute, against
 *   FTP hundreds of refusals a minute.
 * - `sprayServers` 5.
 * - `connectionPorts` SSH 22, Telnet 23, RDP 3389, VNC 5900.
 * - `maxConnectionPairs` 16 384 × about 250 B (32 connections waiting for
 *   their server's first byte each): 4 MB; a pair's entry is made at its
 *   first SYN/ACK from a login port.
 * - `maxClients` 4 096 × about 300 B: about 1 MB.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const BRUTE_FORCE_DEFAULTS = {
  minFailures: 30,
  minConnections: 30,
  sprayServers: 5,
  windowUs: 300_000_000,
  connectionPorts: [22, 23, 3389, 5900],
  maxConnectionPairs: 16_384,
  maxClients: 4_096,
  reportIntervalUs: 10_000_000,
} satisfies Required<BruteForceOptions>;

/** Names of the login services, by port, for summaries. */
const SERVICE_NAMES: Readonly<Record<number, string>> = {
  21: "FTP",
  22: "SSH",
  23: "Telnet",
  25: "SMTP",
  88: "Kerberos",
  110: "POP3",
  139: "SMB",
  143: "IMAP",
  389: "LDAP",
  445: "SMB",
  587: "SMTP",
  3306: "MySQL",
  3389: "RDP",
  5432: "PostgreSQL",
  5900: "VNC",
};

/** Accepted connections of one pair waiting for their server's first byte: hydra's default 16 tasks, and more. */
const PENDING_CONNECTIONS = 32;

/** One connection of a pair: the client's port and the sequence number of the server's first byte, in 31 bits. */
function connectionSignature(clientPort: number, firstByte: number): number {
  return (Math.imul(clientPort, 0x9e3779b1) ^ firstByte) & 0x7fff_ffff;
}

/** TCP refusals a client's state remembers, to count a retransmitted one once. */
const RECENT_REFUSALS = 8;

/** Servers an incident names in its evidence. */
const MAX_LISTED_SERVERS = 8;

/** Packet time between expiry sweeps of the tables, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

const SYN_ACK_RST = TCP_FLAGS.SYN | TCP_FLAGS.ACK | TCP_FLAGS.RST;
const SYN_ACK = TCP_FLAGS.SYN | TCP_FLAGS.ACK;

/** Accepted connections from one server's login port to one client, in a two-bucket window. */
interface ConnectionPair {
  bucketStartUs: number;
  current: number;
  previous: number;
  /** Packet time of the first connection counted since the window was last empty. */
  firstUs: number;
  /** Connections accepted whose server has not spoken yet, by {@linkcode connectionSignature} (-1 for none), and where the next goes. */
  pending: Int32Array;
  nextPending: number;
  lastUs: number;
}

/** One client's evidence against one service port: its failures in a two-bucket window, and its incident. */
interface ClientState extends ReportMark {
  clientKey: number;
  clientText: string;
  port: number;
  bucketStartUs: number;
  current: number;
  previous: number;
  /** Packet time of the first failure counted since the window was last empty. */
  firstUs: number;
  lastUs: number;
  /** Whether an incident goes on, and its counts since it started. */
  active: boolean;
  startUs: number;
  failures: number;
  connections: number;
  /** The servers that refused the client since its window was last empty, or accepted its connections in the incident: the first {@linkcode MAX_LISTED_SERVERS} by key and text, and how many in all (one more than those when there are more). */
  serverKeys: number[];
  serverTexts: string[];
  serverCount: number;
  /** Packet time of the incident's last counted failure or connection. */
  lastEvidenceUs: number;
  /** Signatures of the client's last TCP refusals (see `isRetransmitted`), and where the next goes. */
  recentRefusals: number[];
  nextRefusal: number;
}

/**
 * Creates the brute force detector (kind "brute_force"): one incident per
 * client and login service whose servers refused many of its logins, or
 * accepted many of its connections to a login port that encrypts.
 *
 * @example
 * ```ts
 * const detector = createBruteForceDetector({ minFailures: 10 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createBruteForceDetector(
  options: BruteForceOptions = {},
): Detector {
  const config = { ...BRUTE_FORCE_DEFAULTS, ...options };
  requirePositive("brute force detector", config, [
    "minFailures",
    "minConnections",
    "sprayServers",
    "windowUs",
    "maxConnectionPairs",
    "maxClients",
    "reportIntervalUs",
  ]);
  const { minFailures, minConnections, windowUs } = config;
  // One bit per TCP port.
  const connectionPorts = new Uint8Array(65_536);
  for (const port of config.connectionPorts) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new RangeError(
        `Cannot create brute force detector: connectionPorts must hold TCP ports 1–65535, got ${port}`,
      );
    }
    connectionPorts[port] = 1;
  }

  // Keyed by (client, server, port).
  const pairs = new NumericKeyMap<ConnectionPair>(
    config.maxConnectionPairs,
    undefined,
    { recycle: true },
  );
  // Keyed by (client, port); an evicted incident reports its last figures.
  let reportEvicted: FindingSink = () => {};
  const clients = new NumericKeyMap<ClientState>(
    config.maxClients,
    (state) => reportLast(state, reportEvicted),
  );
  let nextExpiryUs = -Infinity;

  function expire(nowUs: number, report: FindingSink): void {
    pairs.expireOldest((pair) => nowUs - pair.lastUs >= 2 * windowUs);
    clients.expireOldest((state) => {
      if (nowUs - state.lastUs < 2 * windowUs) return false;
      reportLast(state, report);
      return true;
    });
  }

  /** The last finding of an incident whose figures changed since its last one. */
  function reportLast(state: ClientState, report: FindingSink): void {
    const count = state.failures + state.connections;
    if (
      !state.active || !isFinalReportDue(state, count, state.lastEvidenceUs)
    ) {
      return;
    }
    markReported(state, count, state.lastEvidenceUs);
    report(findingOf(state, state.lastEvidenceUs, config));
  }

  function observe(packet: PacketRecord, report: FindingSink): void {
    const failure = packet.authFailure !== "";
    if (
      !failure &&
      (connectionPorts[packet.srcPort] !== 1 || packet.transport !== "tcp")
    ) {
      return;
    }
    // From the server (source) to the client (destination).
    const serverKey = packet.srcAddressKey;
    const clientKey = packet.dstAddressKey;
    if (serverKey < 0 || clientKey < 0) return;
    const nowUs = packet.timestampUs;
    reportEvicted = report;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    const port = packet.srcPort;
    if (failure) {
      const state = clientOf(packet, clientKey, port, nowUs);
      if (packet.transport === "tcp" && isRetransmitted(state, packet)) return;
      const count = countIn(state, nowUs);
      if (count === 1) clearServers(state);
      noteServer(state, packet, serverKey);
      if (goesOn(state, nowUs, report)) state.failures++;
      else if (count >= minFailures) {
        start(state, state.firstUs).failures = count;
      } else return;
      noteEvidence(state, nowUs, report);
      return;
    }
    const flags = packet.tcpFlags;
    // The connection's first byte from the server, a sequence number past
    // its SYN/ACK's: a connection accepted and used (a SYN scan's answered
    // probe never gets there).
    const firstByte = (packet.tcpSeq + 1) >>> 0;
    if ((flags & SYN_ACK_RST) === SYN_ACK) {
      let pair = pairs.get(clientKey, serverKey, port);
      if (pair === undefined) {
        pair = pairs.spare() ?? newPair();
        pair.bucketStartUs = nowUs;
        pair.current = 0;
        pair.previous = 0;
        pair.pending.fill(-1);
        pairs.set(clientKey, serverKey, port, pair);
      }
      pair.lastUs = nowUs;
      const signature = connectionSignature(packet.dstPort, firstByte);
      // A retransmitted SYN/ACK is the same connection.
      if (!pair.pending.includes(signature)) {
        pair.pending[pair.nextPending] = signature;
        pair.nextPending = (pair.nextPending + 1) % PENDING_CONNECTIONS;
      }
      return;
    }
    if (packet.payloadLength === 0 || (flags & TCP_FLAGS.SYN) !== 0) return;
    const pair = pairs.peek(clientKey, serverKey, port);
    if (pair === undefined) return;
    const at = pair.pending.indexOf(
      connectionSignature(packet.dstPort, packet.tcpSeq),
    );
    if (at < 0) return;
    pair.pending[at] = -1;
    pair.lastUs = nowUs;
    const count = countIn(pair, nowUs);
    let state = clients.peek(clientKey, port, 0);
    if (state !== undefined && goesOn(state, nowUs, report)) {
      state.connections++;
    } else if (count >= minConnections) {
      state ??= clientOf(packet, clientKey, port, nowUs);
      start(state, pair.firstUs).connections = count;
    } else {
      return;
    }
    noteServer(state, packet, serverKey);
    noteEvidence(state, nowUs, report);
  }

  /**
   * Whether `state`'s incident goes on at `nowUs`: false when there is none,
   * or when it has been quiet for a window (it ends then, its own last
   * figures reported).
   */
  function goesOn(
    state: ClientState,
    nowUs: number,
    report: FindingSink,
  ): boolean {
    if (!state.active) return false;
    if (nowUs - state.lastEvidenceUs < windowUs) return true;
    reportLast(state, report);
    state.active = false;
    clearReportMark(state);
    clearServers(state);
    return false;
  }

  /** The client's state for `port`, made empty when new. */
  function clientOf(
    packet: PacketRecord,
    clientKey: number,
    port: number,
    nowUs: number,
  ): ClientState {
    let state = clients.get(clientKey, port, 0);
    if (state === undefined) {
      state = newClientState(
        clientKey,
        keptText(clientKey, packet, false),
        port,
        nowUs,
      );
      clients.set(clientKey, port, 0, state);
    }
    state.lastUs = nowUs;
    return state;
  }

  /** Counts one more event in `counter`'s two-bucket window; returns the count over the window ending at `nowUs`. */
  function countIn(
    counter: ConnectionPair | ClientState,
    nowUs: number,
  ): number {
    const passed = advanceBucket(counter, nowUs, windowUs);
    if (passed === 1) {
      counter.previous = counter.current;
      counter.current = 0;
    } else if (passed === 2) {
      counter.previous = 0;
      counter.current = 0;
    }
    if (counter.current === 0 && counter.previous === 0) {
      counter.firstUs = nowUs;
    }
    counter.current++;
    return windowedCount(
      counter.current,
      counter.previous,
      previousBucketWeight(counter, nowUs, windowUs),
    );
  }

  /**
   * Whether the TCP refusal `packet` is one of the client's last
   * {@linkcode RECENT_REFUSALS} (server, client port and sequence number
   * alike): a retransmission, no new failure. Notes it otherwise.
   */
  function isRetransmitted(state: ClientState, packet: PacketRecord): boolean {
    const signature = (packet.tcpSeq ^ Math.imul(packet.dstPort, 0x9e3779b1) ^
      packet.srcAddressKey) | 0;
    const recent = state.recentRefusals;
    if (recent.includes(signature)) return true;
    recent[state.nextRefusal] = signature;
    state.nextRefusal = (state.nextRefusal + 1) % RECENT_REFUSALS;
    return false;
  }

  /** Starts an incident of `state` at `startUs`, with no counts yet. */
  function start(state: ClientState, startUs: number): ClientState {
    state.active = true;
    state.startUs = startUs;
    state.failures = 0;
    state.connections = 0;
    return state;
  }

  function noteEvidence(
    state: ClientState,
    nowUs: number,
    report: FindingSink,
  ): void {
    state.lastEvidenceUs = nowUs;
    state.lastUs = nowUs;
    const count = state.failures + state.connections;
    if (!isGrowthReportDue(state, count, nowUs, config.reportIntervalUs)) {
      return;
    }
    markReported(state, count, nowUs);
    report(findingOf(state, nowUs, config));
  }

  return {
    name: "brute_force",
    packetKinds: PACKET_KIND.TCP | PACKET_KIND.UDP,
    observe,
    tables(): Record<string, TableStats> {
      return { connectionPairs: pairs.stats(), clients: clients.stats() };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of clients.values()) reportLast(state, report);
    },
  };
}

/** Adds the server of `packet` to `state`'s servers, if new. */
function noteServer(
  state: ClientState,
  packet: PacketRecord,
  serverKey: number,
): void {
  if (
    state.serverCount > MAX_LISTED_SERVERS ||
    state.serverKeys.includes(serverKey)
  ) {
    return;
  }
  state.serverCount++;
  if (state.serverKeys.length < MAX_LISTED_SERVERS) {
    state.serverKeys.push(serverKey);
    state.serverTexts.push(keptText(serverKey, packet, true));
  }
}

function clearServers(state: ClientState): void {
  state.serverKeys.length = 0;
  state.serverTexts.length = 0;
  state.serverCount = 0;
}

function newPair(): ConnectionPair {
  return {
    bucketStartUs: 0,
    current: 0,
    previous: 0,
    firstUs: 0,
    pending: new Int32Array(PENDING_CONNECTIONS).fill(-1),
    nextPending: 0,
    lastUs: 0,
  };
}

function newClientState(
  clientKey: number,
  clientText: string,
  port: number,
  nowUs: number,
): ClientState {
  return {
    reportedCount: 0,
    lastReportUs: -Infinity,
    clientKey,
    clientText,
    port,
    bucketStartUs: nowUs,
    current: 0,
    previous: 0,
    firstUs: nowUs,
    lastUs: nowUs,
    active: false,
    startUs: nowUs,
    failures: 0,
    connections: 0,
    serverKeys: [],
    serverTexts: [],
    serverCount: 0,
    lastEvidenceUs: nowUs,
    recentRefusals: [],
    nextRefusal: 0,
  };
}

/** The service on `port`, for summaries: its name, or "port N". */
export function loginServiceName(port: number): string {
  return SERVICE_NAMES[port] ?? `port ${port}`;
}

const PASSWORD_GUESSING: MitreTechnique = {
  id: "T1110.001",
  name: "Brute Force: Password Guessing",
  tactic: "Credential Access",
};

const PASSWORD_SPRAYING: MitreTechnique = {
  id: "T1110.003",
  name: "Brute Force: Password Spraying",
  tactic: "Credential Access",
};

function severityOf(
  state: ClientState,
  config: Required<BruteForceOptions>,
): Severity {
  return state.failures >= 10 * config.minFailures ||
      state.connections >= 10 * config.minConnections ||
      state.serverCount >= config.sprayServers
    ? "high"
    : "medium";
}

function findingOf(
  state: ClientState,
  nowUs: number,
  config: Required<BruteForceOptions>,
): Finding {
  const client = addressTextOf(state.clientKey, state.clientText);
  const servers = state.serverKeys.map((key, i) =>
    addressTextOf(key, state.serverTexts[i]!)
  );
  const service = loginServiceName(state.port);
  const durationSeconds = Math.round(Math.max(nowUs - state.startUs, 0) / 1e5) /
    10;
  const spray = state.serverCount >= config.sprayServers;
  const at = state.serverCount === 1
    ? servers[0]
    : `${state.serverCount > MAX_LISTED_SERVERS ? "more than " : ""}${
      Math.min(state.serverCount, MAX_LISTED_SERVERS)
    } servers`;
  const what = state.failures > 0
    ? `${state.failures} failed ${service} logins at ${at}`
    : `${state.connections} ${service} connections to ${at}`;
  const and = state.failures > 0 && state.connections > 0
    ? ` (and ${state.connections} connections)`
    : "";
  return {
    kind: "brute_force",
    key: `${client}→${state.port}`,
    timestampUs: nowUs,
    startUs: state.startUs,
    severity: severityOf(state, config),
    attacker: client,
    victim: servers[0] ?? "",
    domain: "",
    summary: `${client} made ${what}${and} in ${durationSeconds} s: ${
      spray ? "password spraying" : "password guessing"
    }`,
    evidence: {
      service,
      port: state.port,
      failedLogins: state.failures,
      connections: state.connections,
      servers,
      serverCount: state.serverCount,
      durationSeconds,
      windowSeconds: config.windowUs / 1e6,
    },
    mitre: spray ? PASSWORD_SPRAYING : PASSWORD_GUESSING,
  };
}
