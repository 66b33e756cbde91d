/**
 * Background traffic of the demo office: the ordinary sessions a sensor sees
 * on a small LAN, each a script of real frames: web browsing over HTTPS
 * (DNS lookup, handshake, TLS ClientHello → ServerHello, request, response),
 * plain HTTP, downloads of a few hundred KB, SSH sessions to the NAS and git
 * over SSH, NTP, ARP, pings (IPv4 and, with neighbour discovery, IPv6) and
 * IPv6 HTTPS to the NAS. None of it should ever raise an alert.
 *
 * @module
 */

import {
  httpBody,
  httpRequest,
  httpResponseHead,
  ntpRequest,
  ntpResponse,
  sshBanner,
  sshKexEcdhInit,
  sshKexEcdhReply,
  sshKexInit,
  sshNewKeys,
} from "./app_payloads.ts";
import type { DemoContext } from "./demo_context.ts";
import {
  DOWNLOAD_SERVICES,
  ephemeralPort,
  HTTP_SERVICES,
  type InternetService,
  type LanHost,
  NTP_SERVICES,
  PING_TARGETS,
  SSH_SERVICES,
  userAgent,
  WEB_SERVICES,
} from "./lan.ts";
import type { Session, SessionScript } from "./scheduler.ts";
import { tlsApplicationData } from "./tls_records.ts";
import {
  closeByClient,
  dnsLookup,
  type DnsTarget,
  frameGapUs,
  handshake,
  MS,
  SECOND,
  segmentsOf,
  sendToClient,
  sendToServer,
  type SubScript,
  tlsHandshake,
  tlsSegmentCount,
  tlsSegments,
} from "./transfers.ts";
import {
  arpFrame,
  neighborFrame,
  solicitedNodeAddress,
} from "../../capture/frame_builder.ts";
import { type Endpoint, icmpFrame, TcpConnection, udpFrame } from "./wire.ts";

/** A background session chosen to start now, with the frames it is expected to send. */
export interface BackgroundPlan {
  /** Kind of session, for tests and tuning. */
  kind: string;
  /** Expected frame count (the spawner paces sessions by it). */
  estimatedFrames: number;
  /** The session's script. */
  script: (session: Session) => SessionScript;
}

/** Relative weights of the session kinds. */
const MIX: readonly (readonly [string, number])[] = [
  ["https", 34],
  ["http", 7],
  ["intranet", 6],
  ["dns", 14],
  ["arp", 12],
  ["ntp", 3],
  ["ping", 2],
  ["nas_v6", 4],
  ["ping_v6", 1.5],
  ["ssh", 1.2],
  ["git", 1],
  ["download", 0.8],
];

/** Picks the next background session, starting at `startUs`. */
export function planBackgroundSession(
  ctx: DemoContext,
  startUs: number,
): BackgroundPlan {
  const { prng, lan } = ctx;
  const kind = prng.weighted(MIX);
  const host = prng.pick(lan.clients);
  switch (kind) {
    case "https": {
      const service = prng.pick(WEB_SERVICES);
      const responses = Array.from(
        { length: prng.chance(0.4) ? 2 : 1 },
        () => prng.int(3_000, 90_000),
      );
      const segments = responses.reduce(
        (n, bytes) => n + tlsSegmentCount(bytes),
        0,
      );
      return plan(
        kind,
        22 + segments * 1.5,
        (s) => internetTls(ctx, s, host, service, startUs, responses),
      );
    }
    case "download": {
      const service = prng.pick(DOWNLOAD_SERVICES);
      const bytes = prng.int(200_000, 800_000);
      return plan(
        kind,
        22 + tlsSegmentCount(bytes) * 1.5,
        (s) => internetTls(ctx, s, host, service, startUs, [bytes]),
      );
    }
    case "http": {
      const service = prng.pick(HTTP_SERVICES);
      const bytes = prng.int(500, 40_000);
      return plan(
        kind,
        10 + Math.ceil(bytes / 1460) * 1.5,
        (s) => httpSession(ctx, s, host, service, startUs, bytes),
      );
    }
    case "intranet": {
      const bytes = prng.int(2_000, 60_000);
      return plan(
        kind,
        9 + Math.ceil(bytes / 1460) * 1.5,
        (s) => intranetSession(ctx, s, host, startUs, bytes),
      );
    }
    case "dns": {
      const service = prng.pick([...WEB_SERVICES, ...HTTP_SERVICES]);
      return plan(
        kind,
        host.os === "linux" && !host.v6 ? 2 : 4,
        (s) => dnsOnly(ctx, s, host, service, startUs),
      );
    }
    case "arp":
      return plan(kind, 2, (s) => arpExchange(ctx, s, host, startUs));
    case "ntp":
      return plan(kind, 2, (s) => ntpExchange(ctx, s, host, startUs));
    case "ping":
      return plan(kind, 8, (s) => ping(ctx, s, host, startUs));
    case "nas_v6": {
      const v6Host = prng.pick(lan.v6Clients);
      const bytes = prng.int(5_000, 120_000);
      return plan(
        kind,
        42 + tlsSegmentCount(bytes) * 1.5,
        (s) => nasOverIpv6(ctx, s, v6Host, startUs, bytes),
      );
    }
    case "ping_v6":
      return plan(
        kind,
        10,
        (s) => pingV6(ctx, s, prng.pick(lan.v6Clients), startUs),
      );
    case "ssh": {
      const keystrokes = prng.int(20, 80);
      return plan(
        kind,
        30 + keystrokes * 3.4,
        (s) => sshToNas(ctx, s, host, startUs, keystrokes),
      );
    }
    default: {
      const bytes = prng.int(20_000, 200_000);
      return plan(
        kind,
        36 + tlsSegmentCount(bytes) * 1.5,
        (s) => gitOverSsh(ctx, s, host, startUs, bytes),
      );
    }
  }
}

function plan(
  kind: string,
  estimatedFrames: number,
  script: (session: Session) => SessionScript,
): BackgroundPlan {
  return { kind, estimatedFrames, script };
}

function targetOf(service: InternetService): DnsTarget {
  return { ipv4: service.ipv4, ipv6: service.ipv6, cname: service.cname };
}

/** Round trip to a host `hops` routers away: 10–80 ms. */
function internetRttUs(ctx: DemoContext, hops: number): number {
  const rttMs = 10 + 4 * Math.max(0, hops - 8) + ctx.prng.uniform(0, 30);
  return Math.round(Math.min(80, Math.max(10, rttMs)) * MS);
}

/** Round trip on the LAN: 0.2–1.5 ms. */
function lanRttUs(ctx: DemoContext): number {
  return Math.round(ctx.prng.uniform(0.2, 1.5) * MS);
}

function isn(ctx: DemoContext): number {
  return ctx.prng.uint32();
}

/** HTTPS exchanges over an established TLS session: each request answered after the TTFB by `responses[i]` bytes. */
function* tlsExchanges(
  ctx: DemoContext,
  conn: TcpConnection,
  startUs: number,
  rttUs: number,
  gapUs: number,
  responses: readonly number[],
): SubScript {
  const { prng } = ctx;
  let t = startUs;
  for (const bytes of responses) {
    t += Math.round(prng.uniform(0.2, 3) * MS);
    yield {
      atUs: t,
      bytes: conn.data(true, tlsApplicationData(ctx.noise(prng.int(180, 620)))),
    };
    const ttfbUs = Math.max(
      rttUs + 2 * MS,
      Math.round(prng.uniform(20, 200) * MS),
    );
    t = yield* sendToClient(
      ctx,
      conn,
      tlsSegments(ctx, bytes),
      t + ttfbUs,
      gapUs,
    );
    t += Math.round(prng.uniform(50, 1_500) * MS);
  }
  return t;
}

/**
 * Looks the service's name up first in 70 % of sessions (the rest use a
 * cached answer); resolves with when the client goes on, µs.
 */
function* maybeResolve(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  service: InternetService,
  startUs: number,
): SubScript {
  if (!ctx.prng.chance(0.7)) return startUs;
  const answeredUs = yield* dnsLookup(
    ctx,
    session,
    host,
    service.name,
    targetOf(service),
    startUs,
  );
  return answeredUs + Math.round(ctx.prng.uniform(0.2, 3) * MS);
}

function* internetTls(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  service: InternetService,
  startUs: number,
  responses: readonly number[],
): SessionScript {
  const { prng, lan } = ctx;
  let t = yield* maybeResolve(ctx, session, host, service, startUs);
  const rttUs = internetRttUs(ctx, service.hops);
  const gapUs = frameGapUs(prng.uniform(20e6, 120e6));
  const conn = new TcpConnection({
    client: host.v4,
    server: lan.remote(service.ipv4, service.hops, prng),
    clientPort: ephemeralPort(host.os, prng),
    serverPort: 443,
    clientIsn: isn(ctx),
    serverIsn: isn(ctx),
  });
  t = yield* handshake(ctx, conn, t, rttUs);
  t = yield* tlsHandshake(
    ctx,
    conn,
    service.name,
    t + Math.round(prng.uniform(0.1, 1) * MS),
    rttUs,
    gapUs,
  );
  t = yield* tlsExchanges(ctx, conn, t, rttUs, gapUs, responses);
  yield* closeByClient(ctx, conn, t, rttUs);
}

function* httpExchange(
  ctx: DemoContext,
  conn: TcpConnection,
  host: LanHost,
  serverName: string,
  path: string,
  startUs: number,
  rttUs: number,
  gapUs: number,
  bodyBytes: number,
): SubScript {
  const { prng } = ctx;
  yield {
    atUs: startUs,
    bytes: conn.data(
      true,
      httpRequest({ host: serverName, path, userAgent: userAgent(host.os) }),
    ),
  };
  const head = httpResponseHead(
    200,
    "OK",
    "text/html; charset=utf-8",
    bodyBytes,
  );
  const response = new Uint8Array(head.length + bodyBytes);
  response.set(head);
  response.set(httpBody(bodyBytes), head.length);
  const ttfbUs = Math.max(rttUs + MS, Math.round(prng.uniform(20, 200) * MS));
  return yield* sendToClient(
    ctx,
    conn,
    segmentsOf(response),
    startUs + ttfbUs,
    gapUs,
  );
}

/** Paths requested from each plain-HTTP service. */
const HTTP_PATHS: Readonly<Record<string, readonly string[]>> = {
  "neverssl.com": ["/", "/online/"],
  "detectportal.firefox.com": ["/canonical.html", "/success.txt?ipv4"],
  "connectivitycheck.gstatic.com": ["/generate_204"],
  "ocsp.digicert.com": ["/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ"],
  "archive.ubuntu.com": [
    "/ubuntu/dists/noble/InRelease",
    "/ubuntu/dists/noble-updates/InRelease",
  ],
};

function* httpSession(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  service: InternetService,
  startUs: number,
  bodyBytes: number,
): SessionScript {
  const { prng, lan } = ctx;
  let t = yield* maybeResolve(ctx, session, host, service, startUs);
  const rttUs = internetRttUs(ctx, service.hops);
  const conn = new TcpConnection({
    client: host.v4,
    server: lan.remote(service.ipv4, service.hops, prng),
    clientPort: ephemeralPort(host.os, prng),
    serverPort: 80,
    clientIsn: isn(ctx),
    serverIsn: isn(ctx),
  });
  t = yield* handshake(ctx, conn, t, rttUs);
  t = yield* httpExchange(
    ctx,
    conn,
    host,
    service.name,
    prng.pick(HTTP_PATHS[service.name] ?? ["/"]),
    t + 200,
    rttUs,
    frameGapUs(prng.uniform(20e6, 100e6)),
    bodyBytes,
  );
  yield* closeByClient(
    ctx,
    conn,
    t + Math.round(prng.uniform(100, 2_000) * MS),
    rttUs,
  );
}

function* intranetSession(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  startUs: number,
  bodyBytes: number,
): SessionScript {
  const { prng, lan } = ctx;
  const server = lan.intranet;
  let t = startUs;
  if (prng.chance(0.5)) {
    t = (yield* dnsLookup(ctx, session, host, "intranet.office.lan", {
      ipv4: server.v4.ip,
      ipv6: undefined,
      cname: undefined,
    }, t)) +
      Math.round(prng.uniform(0.2, 2) * MS);
  }
  const rttUs = lanRttUs(ctx);
  const conn = new TcpConnection({
    client: host.v4,
    server: server.v4,
    clientPort: ephemeralPort(host.os, prng),
    serverPort: 80,
    clientIsn: isn(ctx),
    serverIsn: isn(ctx),
  });
  t = yield* handshake(ctx, conn, t, rttUs);
  const path = prng.pick([
    "/",
    "/wiki/Onboarding",
    "/timesheets/week",
    "/api/status",
    "/calendar",
  ]);
  t = yield* httpExchange(
    ctx,
    conn,
    host,
    "intranet.office.lan",
    path,
    t + 150,
    rttUs,
    frameGapUs(prng.uniform(200e6, 900e6)),
    bodyBytes,
  );
  yield* closeByClient(
    ctx,
    conn,
    t + Math.round(prng.uniform(100, 3_000) * MS),
    rttUs,
  );
}

function* dnsOnly(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  service: InternetService,
  startUs: number,
): SessionScript {
  yield* dnsLookup(
    ctx,
    session,
    host,
    service.name,
    targetOf(service),
    startUs,
  );
}

function* arpExchange(
  ctx: DemoContext,
  _session: Session,
  host: LanHost,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  // Most ARP traffic is hosts refreshing the gateway; the gateway also
  // refreshes its clients, and hosts sometimes resolve the NAS or printer.
  let asker = host;
  let target = lan.gateway;
  const roll = prng.next();
  if (roll < 0.25) {
    asker = lan.gateway;
    target = host;
  } else if (roll < 0.4) {
    target = prng.pick([lan.nas, lan.host("printer"), lan.intranet]);
  }
  yield {
    atUs: startUs,
    bytes: arpFrame({
      operation: 1,
      senderMac: asker.v4.mac,
      senderIp: asker.v4.ip,
      targetMac: "00:00:00:00:00:00",
      targetIp: target.v4.ip,
    }),
  };
  yield {
    atUs: startUs + Math.round(prng.uniform(0.1, 1.2) * MS),
    bytes: arpFrame(
      {
        operation: 2,
        senderMac: target.v4.mac,
        senderIp: target.v4.ip,
        targetMac: asker.v4.mac,
        targetIp: asker.v4.ip,
      },
      asker.v4.mac,
    ),
  };
}

function* ntpExchange(
  ctx: DemoContext,
  _session: Session,
  host: LanHost,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const service = host.os === "windows"
    ? NTP_SERVICES[2]!
    : host.os === "macos"
    ? NTP_SERVICES[3]!
    : prng.pick(NTP_SERVICES.slice(0, 2));
  const server = lan.remote(service.ipv4, service.hops, prng);
  const clientPort = host.os === "macos" ? ephemeralPort(host.os, prng) : 123;
  yield {
    atUs: startUs,
    bytes: udpFrame(host.v4, server, clientPort, 123, ntpRequest(startUs)),
  };
  const rttUs = internetRttUs(ctx, service.hops);
  const receiveUs = startUs + Math.round(rttUs / 2);
  yield {
    atUs: startUs + rttUs,
    bytes: udpFrame(
      server,
      host.v4,
      123,
      clientPort,
      ntpResponse({
        originUs: startUs,
        receiveUs,
        transmitUs: receiveUs + 40,
        stratum: 2,
        referenceId: new Uint8Array([10, 77, 4, 1]),
      }),
    ),
  };
}

const WINDOWS_PING_PAYLOAD = new TextEncoder().encode(
  "abcdefghijklmnopqrstuvwabcdefghi",
);

/** The data of a ping: Windows' 32-letter pattern, or a Unix 8-byte timestamp plus 0x10–0x37. */
export function pingPayload(
  host: LanHost,
  sentUs: number,
): Uint8Array<ArrayBuffer> {
  if (host.os === "windows") return WINDOWS_PING_PAYLOAD.slice();
  const payload = new Uint8Array(56);
  const view = new DataView(payload.buffer);
  view.setUint32(0, Math.floor(sentUs / SECOND), host.os !== "macos");
  view.setUint32(4, sentUs % SECOND, host.os !== "macos");
  for (let i = 8; i < 56; i++) payload[i] = i + 8;
  return payload;
}

function* echoSeries(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  client: Endpoint,
  target: Endpoint,
  startUs: number,
  rttUs: number,
  count: number,
): SubScript {
  const { prng } = ctx;
  const v6 = client.ip.includes(":");
  const id = host.os === "windows" ? 1 : prng.int(1, 0xffff);
  let t = startUs;
  for (let seq = 1; seq <= count; seq++) {
    const payload = pingPayload(host, t);
    yield {
      atUs: t,
      bytes: icmpFrame(
        client,
        target,
        { type: v6 ? 128 : 8, id, seq },
        payload,
      ),
    };
    session.emit(
      t + Math.round(rttUs * prng.uniform(0.9, 1.2)),
      icmpFrame(target, client, { type: v6 ? 129 : 0, id, seq }, payload),
    );
    if (seq < count) t += SECOND + prng.int(0, 3_000);
  }
  return t;
}

function* ping(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  if (prng.chance(0.6)) {
    const service = prng.pick(PING_TARGETS);
    yield* echoSeries(
      ctx,
      session,
      host,
      host.v4,
      lan.remote(service.ipv4, service.hops, prng),
      startUs,
      internetRttUs(ctx, service.hops),
      4,
    );
  } else {
    const target = prng.pick([lan.gateway, lan.nas, lan.intranet]);
    yield* echoSeries(
      ctx,
      session,
      host,
      host.v4,
      target.v4,
      startUs,
      lanRttUs(ctx),
      4,
    );
  }
}

/**
 * An ICMPv6 neighbour solicitation for `target` by `asker` and its
 * advertisement (RFC 4861 sections 4.3–4.4), with the advertisement's
 * `flags` (solicited + override by default; a router adds 0x80). Returns
 * the advertisement's time.
 */
export function* neighbourDiscovery(
  ctx: DemoContext,
  asker: Endpoint,
  target: Endpoint,
  startUs: number,
  flags = 0x60,
): SubScript {
  yield {
    atUs: startUs,
    bytes: neighborFrame({
      srcMac: asker.mac,
      src: asker.ip,
      dst: solicitedNodeAddress(target.ip),
      type: 135,
      target: target.ip,
    }),
  };
  const answerUs = startUs + Math.round(ctx.prng.uniform(0.1, 0.8) * MS);
  yield {
    atUs: answerUs,
    bytes: neighborFrame({
      srcMac: target.mac,
      dstMac: asker.mac,
      src: target.ip,
      dst: asker.ip,
      type: 136,
      target: target.ip,
      flags,
    }),
  };
  return answerUs;
}

function* pingV6(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const client = host.v6!;
  const target = prng.chance(0.5) ? lan.nas.v6! : lan.gateway.v6!;
  const t = yield* neighbourDiscovery(ctx, client, target, startUs);
  yield* echoSeries(
    ctx,
    session,
    host,
    client,
    target,
    t + 100,
    lanRttUs(ctx),
    4,
  );
}

function* nasOverIpv6(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  startUs: number,
  bytes: number,
): SessionScript {
  const { prng, lan } = ctx;
  const client = host.v6!;
  const server = lan.nas.v6!;
  let t = startUs;
  if (prng.chance(0.6)) {
    t = (yield* dnsLookup(
      ctx,
      session,
      host,
      "nas.office.lan",
      { ipv4: lan.nas.v4.ip, ipv6: server.ip, cname: undefined },
      t,
      true,
    )) + 300;
  }
  if (prng.chance(0.3)) {
    t = (yield* neighbourDiscovery(ctx, client, server, t)) + 100;
  }
  const rttUs = lanRttUs(ctx);
  const gapUs = frameGapUs(prng.uniform(200e6, 900e6));
  const conn = new TcpConnection({
    client,
    server,
    clientPort: ephemeralPort(host.os, prng),
    serverPort: 443,
    clientIsn: isn(ctx),
    serverIsn: isn(ctx),
  });
  t = yield* handshake(ctx, conn, t, rttUs);
  t = yield* tlsHandshake(ctx, conn, "nas.office.lan", t + 200, rttUs, gapUs);
  if (prng.chance(0.3)) {
    // A small upload to the file share (photos, a document).
    const upload = prng.int(20_000, 120_000);
    t = yield* sendToServer(
      ctx,
      conn,
      tlsSegments(ctx, upload),
      t + 2 * MS,
      gapUs,
      rttUs,
    );
  }
  t = yield* tlsExchanges(ctx, conn, t, rttUs, gapUs, [bytes]);
  yield* closeByClient(ctx, conn, t, rttUs);
}

/** An SSH connection up to the end of key exchange; returns when the client's NEWKEYS was sent. */
export function* sshHandshake(
  ctx: DemoContext,
  conn: TcpConnection,
  startUs: number,
  rttUs: number,
  serverSoftware: string,
): SubScript {
  const { prng } = ctx;
  let t = yield* handshake(ctx, conn, startUs, rttUs);
  const step = () => Math.round(prng.uniform(0.2, 2) * MS);
  t += Math.round(rttUs / 2) + step();
  yield { atUs: t, bytes: conn.data(false, sshBanner(serverSoftware)) };
  t += step();
  yield { atUs: t, bytes: conn.data(true, sshBanner("OpenSSH_9.6")) };
  t += step();
  yield { atUs: t, bytes: conn.data(true, sshKexInit(prng.bytes(16))) };
  t += rttUs + step();
  yield { atUs: t, bytes: conn.data(false, sshKexInit(prng.bytes(16))) };
  t += step();
  yield { atUs: t, bytes: conn.data(true, sshKexEcdhInit(prng.bytes(32))) };
  t += rttUs + step();
  const reply = sshKexEcdhReply(prng.bytes(32), prng.bytes(32), prng.bytes(64));
  const serverKeys = new Uint8Array(reply.length + 16);
  serverKeys.set(reply);
  serverKeys.set(sshNewKeys(), reply.length);
  yield { atUs: t, bytes: conn.data(false, serverKeys) };
  t += step();
  yield { atUs: t, bytes: conn.data(true, sshNewKeys()) };
  return t;
}

/** One encrypted SSH packet (chacha20-poly1305: 4-byte length, padded payload, 16-byte tag). */
export function sshEncrypted(
  ctx: DemoContext,
  payloadBytes: number,
): Uint8Array<ArrayBuffer> {
  const padded = Math.ceil((payloadBytes + 5) / 8) * 8;
  return ctx.noise(4 + padded + 16).slice();
}

/** User authentication and channel setup: a few encrypted exchanges. */
function* sshLogin(
  ctx: DemoContext,
  conn: TcpConnection,
  startUs: number,
  rttUs: number,
): SubScript {
  const { prng } = ctx;
  let t = startUs;
  for (
    const [request, response] of [[28, 28], [60, 44], [380, 20], [120, 600], [
      80,
      60,
    ]] as const
  ) {
    t += Math.round(prng.uniform(0.3, 3) * MS);
    yield { atUs: t, bytes: conn.data(true, sshEncrypted(ctx, request)) };
    t += rttUs + Math.round(prng.uniform(0.2, 5) * MS);
    yield { atUs: t, bytes: conn.data(false, sshEncrypted(ctx, response)) };
  }
  t += Math.round(prng.uniform(0.5, 40) * MS);
  yield { atUs: t, bytes: conn.ack(true) };
  return t;
}

function* sshToNas(
  ctx: DemoContext,
  _session: Session,
  host: LanHost,
  startUs: number,
  keystrokes: number,
): SessionScript {
  const { prng, lan } = ctx;
  const useV6 = host.v6 !== undefined && prng.chance(0.5);
  const rttUs = lanRttUs(ctx);
  const conn = new TcpConnection({
    client: useV6 ? host.v6! : host.v4,
    server: useV6 ? lan.nas.v6! : lan.nas.v4,
    clientPort: ephemeralPort(host.os, prng),
    serverPort: 22,
    clientIsn: isn(ctx),
    serverIsn: isn(ctx),
  });
  let t = yield* sshHandshake(
    ctx,
    conn,
    startUs,
    rttUs,
    "OpenSSH_9.2p1 Debian-2+deb12u3",
  );
  t = yield* sshLogin(ctx, conn, t, rttUs);
  const gapUs = frameGapUs(500e6);
  for (let i = 0; i < keystrokes; i++) {
    t += Math.round(prng.uniform(80, 700) * MS);
    yield { atUs: t, bytes: conn.data(true, sshEncrypted(ctx, 12)) };
    t += rttUs + Math.round(prng.uniform(0.05, 0.3) * MS);
    yield { atUs: t, bytes: conn.data(false, sshEncrypted(ctx, 12)) };
    if (prng.chance(0.12)) {
      // Enter: the command's output.
      const output = prng.int(200, 6_000);
      t = yield* sendToClient(
        ctx,
        conn,
        sshChunks(ctx, output),
        t + Math.round(prng.uniform(1, 30) * MS),
        gapUs,
      );
    } else {
      t += Math.round(prng.uniform(20, 60));
      yield { atUs: t, bytes: conn.ack(true) };
    }
  }
  yield* closeByClient(
    ctx,
    conn,
    t + Math.round(prng.uniform(0.5, 5) * SECOND),
    rttUs,
  );
}

function* sshChunks(
  ctx: DemoContext,
  totalBytes: number,
): Generator<Uint8Array, void, void> {
  for (let remaining = totalBytes; remaining > 0; remaining -= 1_400) {
    yield sshEncrypted(ctx, Math.max(1, Math.min(1_400, remaining) - 28));
  }
}

function* gitOverSsh(
  ctx: DemoContext,
  session: Session,
  host: LanHost,
  startUs: number,
  bytes: number,
): SessionScript {
  const { prng, lan } = ctx;
  const service = SSH_SERVICES[0]!;
  let t = yield* maybeResolve(ctx, session, host, service, startUs);
  const rttUs = internetRttUs(ctx, service.hops);
  const conn = new TcpConnection({
    client: host.v4,
    server: lan.remote(service.ipv4, service.hops, prng),
    clientPort: ephemeralPort(host.os, prng),
    serverPort: 22,
    clientIsn: isn(ctx),
    serverIsn: isn(ctx),
  });
  t = yield* sshHandshake(ctx, conn, t, rttUs, "babeld-2b1fd5e4");
  t = yield* sshLogin(ctx, conn, t, rttUs);
  // git-upload-pack: the ref advertisement and the pack.
  t = yield* sendToClient(
    ctx,
    conn,
    sshChunks(ctx, bytes),
    t + rttUs + Math.round(prng.uniform(20, 150) * MS),
    frameGapUs(prng.uniform(20e6, 100e6)),
  );
  yield* closeByClient(
    ctx,
    conn,
    t + Math.round(prng.uniform(5, 50) * MS),
    rttUs,
  );
}
