/**
 * Brute force detector: one client guessing passwords at a login service
 * (hydra, medusa, ncrack, Metasploit's login scanners, kerbrute, a worm's
 * dictionary), as Zeek's detect-bruteforcing counts failed SSH logins.
 *
 * Two kinds of evidence, counted within a sliding window of packet time:
 *
 * - **Failed logins said in clear**: the servers' own refusals
 *   (`PacketRecord.authFailure`, capture/decode/auth_reply.ts: FTP 530,
 *   SMTP 535, a POP3 -ERR or IMAP NO that speaks of the login, SMB logon
 *   failure, MySQL 1045, PostgreSQL 28P01, LDAP invalidCredentials,
 *   Kerberos pre-authentication failed). `minFailures` of them to one
 *   client from one service (its port), over all the servers that refused
 *   it, make a brute force.
 * - **Connections to a login service that encrypts**, where no refusal can
 *   be read: SSH (22), Telnet (23), RDP (3389) and VNC (5900). Guessing
 *   tools open a connection for every few guesses (sshd allows six tries a
 *   connection, hydra makes two to four); people and scripts that log in
 *   keep theirs, or open a few. A connection counts once both ends have
 *   sent their first byte on it (the sequence numbers one past the
 *   SYN/ACK's and one past the SYN's, which the SYN/ACK acknowledges): a
 *   SYN scan's answered probe, reset before any data, and a health check
 *   that reads SSH's banner and closes are no connections; a login, failed
 *   or not, is. `minConnections` connections from one server's port to one
 *   client make a brute force.
 *
 * A login that one of the servers accepts during the incident, where its
 * reply says so in clear (FTP 230, SMTP 235, IMAP's OK to a login,
 * PostgreSQL's AuthenticationOk), makes it critical when it came on a
 * connection that a refusal came on too (the guesser's own: a guess was
 * right), high otherwise (a guesser that opens a connection for each try,
 * or another program of the host with a good password: said so).
 * SMB's, LDAP's and Kerberos's are not taken for one, since a Windows host
 * logs in with them all day for its own user and machine account.
 *
 * A connection's slot is freed when it closes before both ends spoke, a
 * new one takes a free slot or one on which nobody spoke before one whose
 * server did, and one whose server spoke that must still give way is
 * counted: decoy connections cannot push a guesser's out. Any data within
 * a MiB past an end's first byte says it spoke (its first segment lost,
 * cut into fragments or overlapped).
 *
 * Refusals from `sprayServers` servers or more (two or more from each), or
 * connections to as many servers (five or more to each) that add up to
 * the thresholds, are password spraying (T1110.003): guesses spread over
 * hosts, each below the thresholds. One incident per client and service
 * port; the victim is the first server counted (a spray's servers are
 * listed in the evidence). An incident ends when a window passes without
 * its evidence.
 *
 * Defaults follow Zeek's `SSH::password_guesses_limit` (30) within a
 * window of five minutes (Zeek's is 30 minutes). A Windows logon that
 * fails retries three or four times (the shared SMB capture's five
 * refusals), a mail client with a stale password fails once a poll.
 *
 * Limits: on the encrypted services connections are counted, not guesses,
 * so a guesser at six connections a minute or fewer (ncrack with a
 * connection every 12 s: 139 guesses in 5.4 minutes, in an outside
 * review) is not found, and hydra's recommended four tasks against sshd
 * (about nine connections a minute) only after three to four minutes;
 * and a host that logs in to one server more than `minConnections` times
 * within the window (an Ansible run without ControlPersist, a CI runner
 * fetching over git+ssh, check_by_ssh with many services, a bastion host)
 * is reported too: allowlist it. So is a front end that logs in for many
 * users and relays their typos (a webmail server to IMAP, an application
 * binding its users to LDAP, a Citrix or RD gateway to the KDC), and a
 * host that a spoofer makes the KDC refuse (Kerberos over UDP answers the
 * address a request names). A monitoring, jump or deploy host that logs in
 * to five servers or more five times each within the window is told as
 * spraying (at medium: a spray of connections alone is ambiguous), while a
 * spray of fewer than five connections a server (20 guesses or so) is not
 * found. A sensor that sees one direction only (asymmetric routing) counts
 * no connections, nor does a tap whose two directions are skewed by more
 * than a short connection lasts. Refusals forged to thousands of
 * addresses a second, each twice (spoofed Kerberos requests), can still
 * keep a slow guesser's counts from building up in a full client table. Spraying one server with many accounts (one
 * domain controller, every user) is told as guessing. A failure inside
 * TLS is not read: the TLS ports (POP3S, IMAPS, SMTPS, LDAPS), STARTTLS on
 * the plain ones (Postfix takes AUTH only after it, by default),
 * PostgreSQL with sslmode=require, MySQL 8's clients, HTTPS forms; nor
 * HTTP's 401 answers, nor a refusal whose first bytes are not at a
 * segment's start (but FTP's, read on any line of the segment).
 *
 * Every packet time is taken no earlier than the last (a packet stamped in
 * the past counts now), so a capture whose clock steps back keeps its
 * counts; one stamped far in the future holds the window there until the
 * capture's time catches up.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import {
  elapsedText,
  type Finding,
  type FindingSink,
  type MitreTechnique,
  type Severity,
} from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { requirePorts, requirePositive } from "./option_checks.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";
import { Doorkeeper } from "./stats/doorkeeper.ts";
import {
  advanceBucket,
  previousBucketWeight,
  windowedCount,
} from "./time_buckets.ts";

/** Options of {@linkcode createBruteForceDetector}. */
export interface BruteForceOptions {
  /** Failed logins one service's servers refused one client, within the window, that make a brute force. */
  minFailures?: number;
  /** Connections one server's login port (see `connectionPorts`) took from one client, within the window, that make a brute force. */
  minConnections?: number;
  /** Servers with two refusals or five connections each, within an incident, that make it password spraying. */
  sprayServers?: number;
  /** Window over which failures and connections are counted, and quiet time that ends an incident, µs of packet time. */
  windowUs?: number;
  /** TCP ports of login services that encrypt their logins, whose connections are counted. */
  connectionPorts?: number[];
  /** (client, server, port) triples with connections waiting for both ends' first byte, held at once; beyond this the least recently active is forgotten. */
  maxWaitingPairs?: number;
  /** (client, server, port) connection counters held at once (a triple gets one at its first counted connection); beyond this the least recently active is forgotten. */
  maxConnectionPairs?: number;
  /** (client, port) counters and incidents held at once; beyond this the least recently active is evicted (an incident's last figures reported first). */
  maxClients?: number;
  /** Packet time between repeated findings of one incident (unless its count doubled), µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode BruteForceOptions}.
 *
 * - `minFailures` 30 and `minConnections` 30 within `windowUs` 5 minutes:
 *   Zeek's guess limit; hydra against sshd with four tasks opens about
 *   nine connections a minute, with 32 tasks 30 at once, and against FTP
 *   it draws hundreds of refusals a minute.
 * - `sprayServers` 5.
 * - `connectionPorts` SSH 22, Telnet 23, RDP 3389, VNC 5900.
 * - `maxWaitingPairs` 16 384 × about 1.4 KB (32 connections each, in four
 *   small typed arrays): 22 MB;
 *   a SYN/ACK from a login port makes an entry, so a flood of them churns
 *   this table only, and a guesser's connection needs its entry for the
 *   few milliseconds until both ends have spoken.
 * - `maxConnectionPairs` 16 384 × about 100 B: under 2 MB.
 * - `maxClients` 4 096 × about 800 B: about 3 MB; a client gets an entry
 *   at its first refusal or counted connection, but while the table is
 *   full only at its second refusal within a while (a doorkeeper bit marks
 *   the first, so refusals forged to thousands of addresses cannot flush
 *   it).
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const BRUTE_FORCE_DEFAULTS = {
  minFailures: 30,
  minConnections: 30,
  sprayServers: 5,
  windowUs: 300_000_000,
  connectionPorts: [22, 23, 3389, 5900],
  maxWaitingPairs: 16_384,
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

/** Refusals (or connections) from one server that make it one of a spray's servers. */
const SPRAY_REFUSALS_PER_SERVER = 2;
const SPRAY_CONNECTIONS_PER_SERVER = 5;

/** Servers a client's state counts one by one (their count is exact up to this); the first {@linkcode MAX_LISTED_SERVERS} are named. */
const MAX_TRACKED_SERVERS = 32;
const MAX_LISTED_SERVERS = 8;

/** Refusals a client's state remembers, to count a retransmitted or duplicated one once. */
const RECENT_REFUSALS = 32;

/** Connections of one (client, server, port) waiting for both ends' first byte: hydra's default 16 tasks, and more. */
const WAITING_CONNECTIONS = 32;

/** How long a connection waits for both ends' first byte, µs. */
const WAITING_US = 60_000_000;

/** Packet time between expiry sweeps of the tables, µs. */
const EXPIRY_INTERVAL_US = 1_000_000;

const SYN_ACK_RST = TCP_FLAGS.SYN | TCP_FLAGS.ACK | TCP_FLAGS.RST;
const SYN_ACK = TCP_FLAGS.SYN | TCP_FLAGS.ACK;

/** Bits of a waiting connection's {@linkcode WaitingPair.spoke}. */
const SERVER_SPOKE = 1;
const CLIENT_SPOKE = 2;
const BOTH_SPOKE = SERVER_SPOKE | CLIENT_SPOKE;
const COUNTED = 4;

/**
 * Connections of one (client, server, port) that the server accepted, by
 * slot: the client's port (-1 for a free slot), the sequence numbers of
 * each end's first byte, and which ends have sent it.
 */
interface WaitingPair {
  clientPorts: Int32Array;
  serverFirst: Int32Array;
  clientFirst: Int32Array;
  spoke: Uint8Array;
  next: number;
  lastUs: number;
}

/** A two-bucket window's counts. */
interface WindowCounter {
  bucketStartUs: number;
  current: number;
  previous: number;
  /** Packet time of the first event counted since the window was last empty. */
  firstUs: number;
}

/** Counted connections from one server's login port to one client. */
interface ConnectionPair extends WindowCounter {
  lastUs: number;
}

/** One client's evidence against one service port: its refusals or connections (over all servers) in a two-bucket window, and its incident. */
interface ClientState extends ReportMark, WindowCounter {
  clientKey: number;
  clientText: string;
  port: number;
  lastUs: number;
  /** Whether an incident goes on, and its counts since it started. */
  active: boolean;
  startUs: number;
  failures: number;
  connections: number;
  /** The servers counted since the window was last empty (or in the incident), the first {@linkcode MAX_TRACKED_SERVERS}: key, text, and refusals or connections each; and how many there were (one more than those when more). */
  serverKeys: number[];
  serverTexts: string[];
  serverHits: number[];
  serverCount: number;
  /** Where the next search for a server seen once, to give way to a new one, starts (past the named ones). */
  nextSpare: number;
  /** Packet time of the incident's last counted failure or connection (or login). */
  lastEvidenceUs: number;
  /** The server that accepted the client's login during the incident (its key, -1 while none, and kept text). */
  loginServerKey: number;
  loginServerText: string;
  /** Whether the login came on a connection (client port) that a refusal of the incident came on too: the guesser's own. */
  loginTied: boolean;
  /** The (server, client port) of the client's last refusals, and where the next goes. */
  refusedPorts: Int32Array;
  nextRefusedPort: number;
  /** Signatures of the client's last refusals (see `isRepeated`), and where the next goes. */
  recentRefusals: Int32Array;
  nextRefusal: number;
}

/**
 * Creates the brute force detector (kind "brute_force"): one incident per
 * client and login service whose servers refused many of its logins, or
 * took many of its connections to a login port that encrypts.
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
    "maxWaitingPairs",
    "maxConnectionPairs",
    "maxClients",
    "reportIntervalUs",
  ]);
  const { minFailures, minConnections, sprayServers, windowUs } = config;
  // One byte per TCP port.
  requirePorts(
    "brute force detector",
    "connectionPorts",
    config.connectionPorts,
    "TCP",
  );
  const connectionPorts = new Uint8Array(65_536);
  for (const port of config.connectionPorts) connectionPorts[port] = 1;

  // Each keyed by (client, server, port).
  const waiting = new NumericKeyMap<WaitingPair>(
    config.maxWaitingPairs,
    undefined,
    { recycle: true },
  );
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
  // While the client table is full, a client's first refusal only marks
  // this (256 Kbit, cleared after 32 768 marks).
  const doorkeeper = new Doorkeeper(18, 1 << 15);
  let clockUs = -Infinity;
  let nextExpiryUs = -Infinity;

  function expire(nowUs: number, report: FindingSink): void {
    waiting.expireOldest((entry) => nowUs - entry.lastUs >= WAITING_US);
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
    if (packet.authSuccess !== "") {
      observeLogin(packet, report);
      return;
    }
    if (
      !failure &&
      ((connectionPorts[packet.srcPort] !== 1 &&
        connectionPorts[packet.dstPort] !== 1) ||
        packet.transport !== "tcp")
    ) {
      return;
    }
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    if (srcKey < 0 || dstKey < 0) return;
    // Packet time, never back.
    const nowUs = clockUs = Math.max(clockUs, packet.timestampUs);
    reportEvicted = report;
    if (nowUs >= nextExpiryUs) {
      expire(nowUs, report);
      nextExpiryUs = nowUs + EXPIRY_INTERVAL_US;
    }
    if (failure) {
      observeRefusal(packet, dstKey, srcKey, nowUs, report);
    } else if (connectionPorts[packet.srcPort] === 1) {
      observeServer(packet, dstKey, srcKey, nowUs, report);
    } else {
      observeData(
        packet,
        srcKey,
        dstKey,
        packet.dstPort,
        packet.srcPort,
        CLIENT_SPOKE,
        nowUs,
        report,
      );
    }
  }

  /**
   * A segment of a waiting connection from one `end` (SERVER_SPOKE or
   * CLIENT_SPOKE): data within reach past that end's first byte says it
   * spoke; a FIN or RST before both had frees the connection's slot.
   */
  function observeData(
    packet: PacketRecord,
    clientKey: number,
    serverKey: number,
    port: number,
    clientPort: number,
    end: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    const closes = (packet.tcpFlags & CLOSING) !== 0;
    if (packet.payloadLength === 0 && !closes) return;
    const entry = waiting.peek(clientKey, serverKey, port);
    if (entry === undefined) return;
    const slot = entry.clientPorts.indexOf(clientPort);
    if (slot < 0) return;
    const first = end === SERVER_SPOKE
      ? entry.serverFirst[slot]!
      : entry.clientFirst[slot]!;
    if (
      packet.payloadLength > 0 &&
      covers(first, packet.tcpSeq, packet.payloadLength)
    ) {
      spoke(entry, slot, end, packet, clientKey, serverKey, nowUs, report);
    }
    if (closes) closeSlot(entry, slot);
  }

  /**
   * A server's acceptance of a client's login: a guess was right, if the
   * client is guessing at that server (one that refused it in the
   * incident). Not for SMB, LDAP and Kerberos, whose logins a Windows host
   * makes all day for its own user and machine account beside any it
   * guesses.
   */
  function observeLogin(packet: PacketRecord, report: FindingSink): void {
    const service = packet.authSuccess;
    if (service === "smb" || service === "ldap" || service === "kerberos") {
      return;
    }
    const clientKey = packet.dstAddressKey;
    const state = clientKey < 0
      ? undefined
      : clients.peek(clientKey, packet.srcPort, 0);
    if (
      state === undefined || state.loginServerKey >= 0 ||
      !state.serverKeys.includes(packet.srcAddressKey)
    ) {
      return;
    }
    const nowUs = clockUs = Math.max(clockUs, packet.timestampUs);
    if (!goesOn(state, nowUs, report)) return;
    state.loginServerKey = packet.srcAddressKey;
    state.loginServerText = keptText(packet.srcAddressKey, packet, true);
    state.loginTied = state.refusedPorts.includes(
      hashKey(packet.srcAddressKey, packet.dstPort, 0) | 0,
    );
    state.lastEvidenceUs = nowUs;
    state.lastUs = nowUs;
    markReported(state, state.failures + state.connections, nowUs);
    report(findingOf(state, nowUs, config));
  }

  /** A server's refusal of `clientKey`'s login. */
  function observeRefusal(
    packet: PacketRecord,
    clientKey: number,
    serverKey: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    const port = packet.srcPort;
    let state = clients.get(clientKey, port, 0);
    if (state === undefined) {
      // A full table takes a client at its second refusal, and then only
      // in place of one with fewer (one that has an incident, or refusals
      // in its window, stays).
      if (clients.size >= clients.capacity) {
        if (!doorkeeper.seen(hashKey(clientKey, port, 0))) return;
        const victim = clients.oldest();
        if (
          victim !== undefined &&
          (victim.active || victim.current + victim.previous > 2)
        ) {
          return;
        }
      }
      state = clientOf(packet, clientKey, port, nowUs);
    }
    state.lastUs = nowUs;
    if (isRepeated(state, packet, serverKey)) return;
    state.refusedPorts[state.nextRefusedPort] =
      hashKey(serverKey, packet.dstPort, 0) | 0;
    state.nextRefusedPort = (state.nextRefusedPort + 1) % RECENT_REFUSALS;
    const count = countIn(state, nowUs);
    if (count === 1) clearServers(state);
    noteServer(state, packet, serverKey);
    if (goesOn(state, nowUs, report)) state.failures++;
    else if (count >= minFailures) {
      start(state, state.firstUs).failures = count;
    } else return;
    noteEvidence(state, nowUs, report);
  }

  /** A segment from a login port to `clientKey`: a SYN/ACK opens a waiting connection, the first data its server's first byte. */
  function observeServer(
    packet: PacketRecord,
    clientKey: number,
    serverKey: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    const port = packet.srcPort;
    const flags = packet.tcpFlags;
    if ((flags & SYN_ACK_RST) === SYN_ACK) {
      let entry = waiting.get(clientKey, serverKey, port);
      if (entry === undefined) {
        entry = waiting.spare() ?? newWaitingPair();
        entry.clientPorts.fill(-1);
        waiting.set(clientKey, serverKey, port, entry);
      }
      entry.lastUs = nowUs;
      const serverFirst = (packet.tcpSeq + 1) | 0;
      let slot = entry.clientPorts.indexOf(packet.dstPort);
      // A retransmitted (or duplicated) SYN/ACK is the same connection.
      if (slot >= 0 && entry.serverFirst[slot] === serverFirst) return;
      if (slot < 0) {
        slot = freeSlot(entry);
        // A connection whose server spoke, pushed out before its client
        // did by more connections at once than a pair holds (decoys kept
        // open to hide it): counted, since the server took it.
        if ((entry.spoke[slot]! & (SERVER_SPOKE | COUNTED)) === SERVER_SPOKE) {
          entry.spoke[slot] = SERVER_SPOKE | COUNTED;
          countConnection(
            packet,
            clientKey,
            serverKey,
            port,
            SERVER_SPOKE,
            nowUs,
            report,
          );
        }
      }
      entry.clientPorts[slot] = packet.dstPort;
      entry.serverFirst[slot] = serverFirst;
      // The SYN/ACK acknowledges the client's SYN: its first byte is next.
      entry.clientFirst[slot] = packet.tcpAck | 0;
      entry.spoke[slot] = 0;
      return;
    }
    if ((flags & TCP_FLAGS.SYN) !== 0) return;
    observeData(
      packet,
      clientKey,
      serverKey,
      port,
      packet.dstPort,
      SERVER_SPOKE,
      nowUs,
      report,
    );
  }

  /** One end of a waiting connection sent its first byte (`end`); once both have, the connection counts. */
  function spoke(
    entry: WaitingPair,
    slot: number,
    end: number,
    packet: PacketRecord,
    clientKey: number,
    serverKey: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    const before = entry.spoke[slot]!;
    if ((before & COUNTED) !== 0) return;
    const after = before | end;
    entry.lastUs = nowUs;
    if (after !== BOTH_SPOKE) {
      entry.spoke[slot] = after;
      return;
    }
    // Kept, so a duplicated SYN/ACK or segment counts nothing more.
    entry.spoke[slot] = after | COUNTED;
    const port = end === SERVER_SPOKE ? packet.srcPort : packet.dstPort;
    countConnection(packet, clientKey, serverKey, port, end, nowUs, report);
  }

  /** One more connection of `clientKey` to `serverKey`'s `port`. */
  function countConnection(
    packet: PacketRecord,
    clientKey: number,
    serverKey: number,
    port: number,
    end: number,
    nowUs: number,
    report: FindingSink,
  ): void {
    let pair = pairs.get(clientKey, serverKey, port);
    if (pair === undefined) {
      pair = pairs.spare() ?? newConnectionPair();
      pair.bucketStartUs = nowUs;
      pair.current = 0;
      pair.previous = 0;
      pairs.set(clientKey, serverKey, port, pair);
    }
    pair.lastUs = nowUs;
    const count = countIn(pair, nowUs);
    const fromServer = end === SERVER_SPOKE;
    const state = clients.get(clientKey, port, 0) ??
      clientOf(packet, clientKey, port, nowUs, !fromServer);
    state.lastUs = nowUs;
    // Connections over all servers, for a spray.
    const total = countIn(state, nowUs);
    if (total === 1) clearServers(state);
    noteServer(state, packet, serverKey, fromServer);
    if (goesOn(state, nowUs, report)) {
      state.connections++;
    } else if (count >= minConnections) {
      start(state, pair.firstUs).connections = count;
    } else if (
      total >= minConnections &&
      spreadServers(state, SPRAY_CONNECTIONS_PER_SERVER) >= sprayServers
    ) {
      start(state, state.firstUs).connections = total;
    } else {
      return;
    }
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
    return false;
  }

  /** A new, empty state of `clientKey` for `port`, in the table; the client is `packet`'s destination, or its source with `clientIsSource`. */
  function clientOf(
    packet: PacketRecord,
    clientKey: number,
    port: number,
    nowUs: number,
    clientIsSource = false,
  ): ClientState {
    const state = newClientState(
      clientKey,
      keptText(clientKey, packet, clientIsSource),
      port,
      nowUs,
    );
    clients.set(clientKey, port, 0, state);
    return state;
  }

  /** Counts one more event in `counter`'s two-bucket window; returns the count over the window ending at `nowUs`. */
  function countIn(counter: WindowCounter, nowUs: number): number {
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

  /** Starts an incident of `state` at `startUs`, with no counts yet. */
  function start(state: ClientState, startUs: number): ClientState {
    state.active = true;
    state.startUs = startUs;
    state.failures = 0;
    state.connections = 0;
    state.loginServerKey = -1;
    state.loginServerText = "";
    state.loginTied = false;
    return state;
  }

  function noteEvidence(
    state: ClientState,
    nowUs: number,
    report: FindingSink,
  ): void {
    state.lastEvidenceUs = nowUs;
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
      return {
        waitingPairs: waiting.stats(),
        connectionPairs: pairs.stats(),
        clients: clients.stats(),
      };
    },
    flush(_nowUs: number, report: FindingSink): void {
      for (const state of clients.values()) reportLast(state, report);
    },
  };
}

/**
 * Whether the refusal `packet` is one of the client's last
 * {@linkcode RECENT_REFUSALS} (the same server, client port and, over TCP,
 * sequence number): a retransmitted or duplicated one, or over UDP the
 * answer to a retried request, no new failure. Notes it otherwise.
 */
function isRepeated(
  state: ClientState,
  packet: PacketRecord,
  serverKey: number,
): boolean {
  const seq = packet.transport === "tcp" ? packet.tcpSeq : 0;
  const signature = hashKey(serverKey, packet.dstPort, seq) | 0;
  const recent = state.recentRefusals;
  if (recent.includes(signature)) return true;
  recent[state.nextRefusal] = signature;
  state.nextRefusal = (state.nextRefusal + 1) % RECENT_REFUSALS;
  return false;
}

/** Counts one refusal or connection of `serverKey` in `state`'s servers. */
function noteServer(
  state: ClientState,
  packet: PacketRecord,
  serverKey: number,
  fromServer = true,
): void {
  const at = state.serverKeys.indexOf(serverKey);
  if (at >= 0) {
    state.serverHits[at]!++;
    return;
  }
  if (state.serverCount <= MAX_TRACKED_SERVERS) state.serverCount++;
  if (state.serverKeys.length < MAX_TRACKED_SERVERS) {
    state.serverKeys.push(serverKey);
    state.serverTexts.push(keptText(serverKey, packet, fromServer));
    state.serverHits.push(1);
    return;
  }
  // Full: a server seen once gives way, in turn (servers touched once
  // first cannot hide a spray's later ones); the first named stay.
  const spares = MAX_TRACKED_SERVERS - MAX_LISTED_SERVERS;
  for (let i = 0; i < spares; i++) {
    const at = MAX_LISTED_SERVERS + (state.nextSpare + i) % spares;
    if (state.serverHits[at] !== 1) continue;
    state.serverKeys[at] = serverKey;
    state.serverTexts[at] = keptText(serverKey, packet, fromServer);
    state.nextSpare = (at - MAX_LISTED_SERVERS + 1) % spares;
    return;
  }
}

/** The servers of `state` with at least `hits` refusals or connections each. */
function spreadServers(state: ClientState, hits: number): number {
  let servers = 0;
  for (const count of state.serverHits) if (count >= hits) servers++;
  return servers;
}

function clearServers(state: ClientState): void {
  state.serverKeys.length = 0;
  state.serverTexts.length = 0;
  state.serverHits.length = 0;
  state.serverCount = 0;
}

/** Flags that end a connection. */
const CLOSING = TCP_FLAGS.FIN | TCP_FLAGS.RST;

/** Bytes past an end's first byte within which a segment says the first was sent (its own segment lost, cut, fragmented or overlapped). */
const FIRST_BYTE_REACH = 1 << 20;

/** Whether a segment of `length` bytes at sequence number `seq` holds or follows (within {@linkcode FIRST_BYTE_REACH}) the byte at `first`. */
function covers(first: number, seq: number, length: number): boolean {
  const past = (seq - first) >>> 0;
  return past < FIRST_BYTE_REACH || ((first - seq) >>> 0) < length;
}

/**
 * The slot a new connection of `entry` takes: a free one, else one already
 * counted or on which neither end spoke, else (more connections at once
 * than a pair holds) the oldest.
 */
function freeSlot(entry: WaitingPair): number {
  let fallback = -1;
  for (let i = 0; i < WAITING_CONNECTIONS; i++) {
    const slot = (entry.next + i) % WAITING_CONNECTIONS;
    if (entry.clientPorts[slot] === -1) {
      fallback = slot;
      break;
    }
    const spoke = entry.spoke[slot]!;
    if (fallback < 0 && ((spoke & COUNTED) !== 0 || spoke === 0)) {
      fallback = slot;
    }
  }
  const slot = fallback < 0 ? entry.next : fallback;
  entry.next = (slot + 1) % WAITING_CONNECTIONS;
  return slot;
}

/** Frees the slot of a connection that closed before both ends spoke; a counted one stays, so its duplicates count nothing. */
function closeSlot(entry: WaitingPair, slot: number): void {
  if ((entry.spoke[slot]! & COUNTED) === 0) entry.clientPorts[slot] = -1;
}

function newWaitingPair(): WaitingPair {
  return {
    clientPorts: new Int32Array(WAITING_CONNECTIONS).fill(-1),
    serverFirst: new Int32Array(WAITING_CONNECTIONS),
    clientFirst: new Int32Array(WAITING_CONNECTIONS),
    spoke: new Uint8Array(WAITING_CONNECTIONS),
    next: 0,
    lastUs: 0,
  };
}

function newConnectionPair(): ConnectionPair {
  return { bucketStartUs: 0, current: 0, previous: 0, firstUs: 0, lastUs: 0 };
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
    serverHits: [],
    serverCount: 0,
    nextSpare: 0,
    lastEvidenceUs: nowUs,
    loginServerKey: -1,
    loginServerText: "",
    loginTied: false,
    refusedPorts: new Int32Array(RECENT_REFUSALS),
    nextRefusedPort: 0,
    recentRefusals: new Int32Array(RECENT_REFUSALS),
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

/** Whether `state`'s incident is a spray: refusals or connections spread over enough servers. */
function isSpray(
  state: ClientState,
  config: Required<BruteForceOptions>,
): boolean {
  return spreadServers(
    state,
    state.failures > 0
      ? SPRAY_REFUSALS_PER_SERVER
      : SPRAY_CONNECTIONS_PER_SERVER,
  ) >= config.sprayServers;
}

function severityOf(
  state: ClientState,
  config: Required<BruteForceOptions>,
  spray: boolean,
): Severity {
  if (state.loginServerKey >= 0) return state.loginTied ? "critical" : "high";
  return (spray && state.failures > 0) ||
      state.failures >= 10 * config.minFailures ||
      state.connections >= 10 * config.minConnections
    ? "high"
    : "medium";
}

function findingOf(
  state: ClientState,
  nowUs: number,
  config: Required<BruteForceOptions>,
): Finding {
  const client = addressTextOf(state.clientKey, state.clientText);
  const servers = state.serverKeys.slice(0, MAX_LISTED_SERVERS).map((
    key,
    i,
  ) => addressTextOf(key, state.serverTexts[i]!));
  const service = loginServiceName(state.port);
  const durationSeconds = Math.round(Math.max(nowUs - state.startUs, 0) / 1e5) /
    10;
  const spray = isSpray(state, config);
  const more = state.serverCount > MAX_TRACKED_SERVERS;
  const at = state.serverCount === 1
    ? servers[0]
    : `${more ? "more than " : ""}${
      Math.min(state.serverCount, MAX_TRACKED_SERVERS)
    } servers`;
  const what = state.failures > 0
    ? `${state.failures} failed ${service} logins at ${at}`
    : `${state.connections} ${service} connections to ${at}`;
  const login = state.loginServerKey >= 0
    ? addressTextOf(state.loginServerKey, state.loginServerText)
    : "";
  return {
    kind: "brute_force",
    key: `${client}→${state.port}`,
    timestampUs: nowUs,
    startUs: state.startUs,
    severity: severityOf(state, config, spray),
    attacker: client,
    victim: servers[0] ?? "",
    domain: "",
    summary: `${client} made ${what} in ${
      elapsedText(Math.max(nowUs - state.startUs, 0))
    }: ${spray ? "password spraying" : "password guessing"}${
      login === ""
        ? ""
        : state.loginTied
        ? `, then logged in at ${login}`
        : `, and a login of it succeeded at ${login} meanwhile`
    }`,
    evidence: {
      service,
      port: state.port,
      failedLogins: state.failures,
      connections: state.connections,
      servers,
      serverCount: Math.min(state.serverCount, MAX_TRACKED_SERVERS),
      moreServers: more,
      loggedInAt: login,
      durationSeconds,
      windowSeconds: config.windowUs / 1e6,
    },
    mitre: spray ? PASSWORD_SPRAYING : PASSWORD_GUESSING,
  };
}
