/**
 * Building blocks of demo sessions, as sub-scripts (`yield*` them): a DNS
 * lookup, a TCP handshake and close, bulk transfers in either direction with
 * realistic ACK timing, and TLS record and HTTP segmenting. The sensor sits
 * on the LAN, so a LAN host's ACKs follow the data they acknowledge within
 * microseconds while the far side's arrive one round trip later.
 *
 * @module
 */

import {
  aaaaRecord,
  aRecord,
  cnameRecord,
  DNS_TYPE,
  type DnsAnswer,
  dnsPayload,
} from "./dns_payload.ts";
import type { DemoContext } from "./demo_context.ts";
import { ephemeralPort, type LanHost } from "./lan.ts";
import type { FrameStep, Session } from "./scheduler.ts";
import {
  TLS_RECORD_HEADER_LENGTH,
  tlsApplicationData,
  tlsChangeCipherSpec,
  tlsClientHello,
  tlsServerHello,
} from "./tls_records.ts";
import { type TcpConnection, udpFrame } from "./wire.ts";

/** One millisecond, µs. */
export const MS = 1_000;
/** One second, µs. */
export const SECOND = 1_000_000;
/** TCP payload bytes per full-sized segment (1500-byte MTU, no TCP options). */
export const MSS = 1_460;
/** Ethernet frame bytes of a full-sized segment. */
export const FULL_FRAME_BYTES = 1_514;

/** A sub-script: yields frames, returns the packet time it finished, µs. */
export type SubScript = Generator<FrameStep, number, void>;

/** What a name resolves to. */
export interface DnsTarget {
  ipv4: string | undefined;
  ipv6: string | undefined;
  cname: string | undefined;
}

/**
 * Looks `name` up at the LAN resolver (the gateway): an A query, plus AAAA
 * for dual-stack and Windows/macOS hosts, each answered after 5–40 ms.
 * Returns when the A answer arrived.
 */
export function* dnsLookup(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  name: string,
  target: DnsTarget,
  startUs: number,
  overIpv6 = false,
): SubScript {
  const { prng, lan } = ctx;
  const client = overIpv6 && host.v6 ? host.v6 : host.v4;
  const resolver = overIpv6 && lan.gateway.v6 ? lan.gateway.v6 : lan.gateway.v4;
  const types = host.os === "linux" && host.v6 === undefined
    ? [DNS_TYPE.A]
    : [DNS_TYPE.A, DNS_TYPE.AAAA];
  let t = startUs;
  let answeredUs = startUs;
  for (const qtype of types) {
    const port = ephemeralPort(host.os, prng);
    const id = prng.int(0, 0xffff);
    yield {
      atUs: t,
      bytes: udpFrame(
        client,
        resolver,
        port,
        53,
        dnsPayload({ id, name, qtype, response: false }),
      ),
    };
    const answerUs = t + Math.round(prng.uniform(5, 40) * MS);
    session.emit(
      answerUs,
      udpFrame(
        resolver,
        client,
        53,
        port,
        dnsPayload({
          id,
          name,
          qtype,
          response: true,
          answers: dnsAnswers(target, qtype),
        }),
      ),
    );
    if (qtype === DNS_TYPE.A) answeredUs = answerUs;
    t += Math.round(prng.uniform(0.05, 0.4) * MS);
  }
  return answeredUs;
}

function dnsAnswers(target: DnsTarget, qtype: number): DnsAnswer[] {
  const address = qtype === DNS_TYPE.A ? target.ipv4 : target.ipv6;
  const answers: DnsAnswer[] = [];
  if (target.cname !== undefined) answers.push(cnameRecord(target.cname, 3600));
  if (address !== undefined) {
    const record = qtype === DNS_TYPE.A
      ? aRecord(address, 300)
      : aaaaRecord(address, 300);
    answers.push(
      target.cname === undefined ? record : { ...record, owner: target.cname },
    );
  }
  return answers;
}

/** A LAN host's delay before it acknowledges data it just received, µs (kept below `gapUs`). */
export function ackDelayUs(ctx: DemoContext, gapUs: number): number {
  return Math.max(
    5,
    Math.round(ctx.prng.uniform(0.1, 0.4) * Math.min(gapUs, 200)),
  );
}

/** SYN, SYN/ACK one round trip later, ACK. Returns when the ACK was sent. */
export function* handshake(
  ctx: DemoContext,
  conn: TcpConnection,
  startUs: number,
  rttUs: number,
): SubScript {
  yield { atUs: startUs, bytes: conn.syn() };
  const synAckUs = startUs + rttUs;
  yield { atUs: synAckUs, bytes: conn.synAck() };
  const ackUs = synAckUs + Math.round(ctx.prng.uniform(20, 90));
  yield { atUs: ackUs, bytes: conn.ack(true) };
  return ackUs;
}

/** The client closes: FIN, the server's FIN/ACK one round trip later, the last ACK. */
export function* closeByClient(
  ctx: DemoContext,
  conn: TcpConnection,
  startUs: number,
  rttUs: number,
): SubScript {
  yield { atUs: startUs, bytes: conn.fin(true) };
  const finAckUs = startUs + rttUs +
    Math.round(ctx.prng.uniform(0.05, 0.5) * MS);
  yield { atUs: finAckUs, bytes: conn.fin(false) };
  const ackUs = finAckUs + Math.round(ctx.prng.uniform(20, 90));
  yield { atUs: ackUs, bytes: conn.ack(true) };
  return ackUs;
}

/**
 * The server sends `payloads` to the LAN client, one segment every `gapUs`
 * (±20 %); the client acknowledges every second segment right away.
 * Returns the time of the last frame.
 */
export function* sendToClient(
  ctx: DemoContext,
  conn: TcpConnection,
  payloads: Iterable<Uint8Array>,
  startUs: number,
  gapUs: number,
): SubScript {
  let t = startUs;
  let lastUs = startUs;
  let unacknowledged = 0;
  for (const payload of payloads) {
    yield { atUs: t, bytes: conn.data(false, payload) };
    lastUs = t;
    if (++unacknowledged === 2) {
      unacknowledged = 0;
      lastUs = t + ackDelayUs(ctx, gapUs);
      yield { atUs: lastUs, bytes: conn.ack(true) };
    }
    t += Math.round(gapUs * ctx.prng.uniform(0.8, 1.2));
  }
  if (unacknowledged > 0) {
    lastUs += Math.round(ctx.prng.uniform(0.1, 1) * MS);
    yield { atUs: lastUs, bytes: conn.ack(true) };
  }
  return lastUs;
}

/**
 * The LAN client sends `payloads` to the server, one segment every `gapUs`
 * (±10 %); the server's ACK for every second segment arrives `rttUs` later.
 * Returns the time of the last frame.
 */
export function* sendToServer(
  ctx: DemoContext,
  conn: TcpConnection,
  payloads: Iterable<Uint8Array>,
  startUs: number,
  gapUs: number,
  rttUs: number,
): SubScript {
  const ackTimes: number[] = [];
  const ackNumbers: number[] = [];
  let head = 0;
  let t = startUs;
  let sent = 0;
  for (const payload of payloads) {
    while (head < ackTimes.length && ackTimes[head]! <= t) {
      yield {
        atUs: ackTimes[head]!,
        bytes: conn.ack(false, ackNumbers[head]!),
      };
      head++;
    }
    if (head > 1024) {
      ackTimes.splice(0, head);
      ackNumbers.splice(0, head);
      head = 0;
    }
    yield { atUs: t, bytes: conn.data(true, payload) };
    if (++sent % 2 === 0) {
      ackTimes.push(t + rttUs);
      ackNumbers.push(conn.clientNext);
    }
    t += Math.round(gapUs * ctx.prng.uniform(0.9, 1.1));
  }
  if (sent % 2 === 1) {
    ackTimes.push(t + rttUs);
    ackNumbers.push(conn.clientNext);
  }
  let lastUs = t;
  for (; head < ackTimes.length; head++) {
    lastUs = ackTimes[head]!;
    yield { atUs: lastUs, bytes: conn.ack(false, ackNumbers[head]!) };
  }
  return lastUs;
}

/**
 * TLS application data records carrying `totalBytes` of ciphertext, one
 * record per full-sized segment; the first segment may start with `prefix`
 * (e.g. a ServerHello and ChangeCipherSpec).
 */
export function* tlsSegments(
  ctx: DemoContext,
  totalBytes: number,
  prefix?: Uint8Array,
): Generator<Uint8Array, void, void> {
  let remaining = totalBytes;
  let first = prefix;
  while (remaining > 0 || first !== undefined) {
    const room = MSS - (first?.length ?? 0) - TLS_RECORD_HEADER_LENGTH;
    const body = Math.max(0, Math.min(room, remaining));
    remaining -= body;
    const record = body > 0
      ? tlsApplicationData(ctx.noise(body))
      : new Uint8Array(0);
    if (first === undefined) {
      yield record;
    } else {
      const segment = new Uint8Array(first.length + record.length);
      segment.set(first);
      segment.set(record, first.length);
      yield segment;
      first = undefined;
    }
  }
}

/** `data` cut into full-sized segments. */
export function* segmentsOf(
  data: Uint8Array,
): Generator<Uint8Array, void, void> {
  for (let offset = 0; offset < data.length; offset += MSS) {
    yield data.subarray(offset, offset + MSS);
  }
}

/** Segments needed for `bytes` of TLS ciphertext. */
export function tlsSegmentCount(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / (MSS - TLS_RECORD_HEADER_LENGTH)));
}

/** Microseconds between full-sized frames at `bitsPerSecond`. */
export function frameGapUs(bitsPerSecond: number): number {
  return Math.max(
    1,
    Math.round((FULL_FRAME_BYTES * 8 * SECOND) / bitsPerSecond),
  );
}

/** A TLS 1.3 handshake over `conn` (after the TCP handshake): ClientHello, server flight, client Finished. */
export function* tlsHandshake(
  ctx: DemoContext,
  conn: TcpConnection,
  serverName: string,
  startUs: number,
  rttUs: number,
  gapUs: number,
): SubScript {
  const { prng } = ctx;
  const sessionId = prng.bytes(32);
  const hello = tlsClientHello({
    serverName,
    random: prng.bytes(32),
    sessionId,
    keyShare: prng.bytes(32),
  });
  yield { atUs: startUs, bytes: conn.data(true, hello) };
  const serverHello = tlsServerHello({
    random: prng.bytes(32),
    sessionId,
    keyShare: prng.bytes(32),
  });
  const prefix = new Uint8Array(serverHello.length + 6);
  prefix.set(serverHello);
  prefix.set(tlsChangeCipherSpec(), serverHello.length);
  // EncryptedExtensions, Certificate, CertificateVerify and Finished: 2.5–4.5 KB.
  const flightUs = startUs + rttUs + Math.round(prng.uniform(1, 6) * MS);
  const flightEndUs = yield* sendToClient(
    ctx,
    conn,
    tlsSegments(ctx, prng.int(2_500, 4_500), prefix),
    flightUs,
    gapUs,
  );
  const finishedUs = flightEndUs + Math.round(prng.uniform(0.3, 2) * MS);
  const finished = new Uint8Array(6 + 58);
  finished.set(tlsChangeCipherSpec());
  finished.set(tlsApplicationData(ctx.noise(53)), 6);
  yield { atUs: finishedUs, bytes: conn.data(true, finished) };
  return finishedUs;
}
