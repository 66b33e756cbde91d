/**
 * The HTTP API (Hono): REST routes, the SSE stream, exports and the
 * dashboard. Handlers are thin: the {@linkcode Sensor} does the work.
 *
 * @module
 */

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { listInterfaces } from "../capture/interfaces.ts";
import { formatIpv6Words } from "../capture/decode/address.ts";
import { parseIpv4, parseIpv6Text } from "../capture/decode/address_key.ts";
import { publicPacketFields } from "../capture/packet_record.ts";
import { type Severity, SEVERITY_ORDER } from "../detectors/alert.ts";
import { buildReport } from "./report.ts";
import { PcapDigests } from "./pcap_digest.ts";
import { SliceSlots } from "./pcap_slice.ts";
import { isPcapSearch, searchSessionPcap } from "./pcap_search.ts";
import type { PacketQuery } from "./packet_row.ts";
import { filterLengthError, validateFilter } from "../capture/bpf.ts";
import { LINK_TYPE_INFO } from "../capture/protocol_names.ts";
import { TcpdumpError } from "../capture/tcpdump_errors.ts";
import { type AlertSlice, buildAlertSlice } from "./alert_slice.ts";
import { MAX_ACK_NOTE_LENGTH } from "./alert_acks.ts";
import {
  PCAP_FILE_HEADER_LENGTH,
  PcapBuilder,
} from "../capture/pcap_writer.ts";
import { linkTypeOfPcapHeader } from "../capture/pcap_reader.ts";
import { LINK_TYPE } from "../capture/pcap_record.ts";
import { renderMetrics } from "./metrics.ts";
import { listReplayFiles, type ReplayFileList } from "./replay_files.ts";
import {
  joinedSessionBytes,
  joinSessionFiles,
  sessionPcapFiles,
} from "./pcap_store.ts";
import type { CaptureMode, Sensor } from "./sensor.ts";
import {
  digitsOnly,
  readJsonBody,
  rejectCrossOrigin,
  rejectForeignHost,
  requireToken,
} from "./security.ts";
import { SensorError } from "./session_errors.ts";
import type { StreamHub } from "./stream_hub.ts";
import type { UiAssets } from "./ui_assets.ts";

/** What the app needs. */
export interface AppDeps {
  sensor: Sensor;
  hub: StreamHub;
  /** Version for /healthz and the report. */
  version: string;
  /** When set, every /api route and the stream require it. */
  token?: string;
  /** The dashboard's files; none: `/` explains how to build them. */
  ui?: UiAssets;
  /** Digests of session PCAPs for reports (one is made when not given). */
  digests?: PcapDigests;
}

const MAX_LIMIT = 10_000;
/** Largest number a query or path parameter may hold (a limit is then capped at {@linkcode MAX_LIMIT}). */
const MAX_QUERY_NUMBER = MAX_LIMIT * 1_000_000;

/** Headers of a PCAP download saved as `netmirror-<name>.pcap`. */
function pcapHeaders(name: string): Record<string, string> {
  return {
    "Content-Type": "application/vnd.tcpdump.pcap",
    "Content-Disposition": `attachment; filename="netmirror-${name}.pcap"`,
  };
}

/** Builds the Hono app. */
export function createApp(deps: AppDeps): Hono {
  const slices = new SliceSlots();
  const searches = new SliceSlots(
    MAX_PCAP_SEARCHES,
    "searches of a session PCAP",
  );
  const digests = deps.digests ?? new PcapDigests();
  const { sensor, hub } = deps;
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof SensorError) {
      return c.json({ error: error.message }, error.status);
    }
    if (error instanceof HTTPException) {
      return c.json({ error: error.message }, error.status);
    }
    console.error("netmirror: unexpected error in", c.req.path, error);
    return c.json({ error: "Internal error" }, 500);
  });
  app.notFound((c) => {
    // A known path asked with another method: 405 and the methods it takes.
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      return c.json(
        {
          error: `${c.req.method} is not allowed on ${c.req.path} (allowed: ${
            allowed.join(", ")
          })`,
        },
        405,
      );
    }
    return c.json({ error: `No route ${c.req.method} ${c.req.path}` }, 404);
  });

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
  });
  if (!deps.token) app.use("*", rejectForeignHost());
  app.use("/api/*", rejectCrossOrigin());
  if (deps.token) app.use("/api/*", requireToken(deps.token));

  app.get("/healthz", (c) =>
    c.json({
      status: "ok",
      version: deps.version,
      // "failed" until the next session starts: a health check can tell a
      // capture that died from one that was never started.
      capture: sensor.running
        ? sensor.session!.mode
        : sensor.session?.state === "failed"
        ? "failed"
        : "idle",
    }));

  if (deps.token) app.use("/metrics", requireToken(deps.token));
  app.get("/metrics", (c) => {
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(renderMetrics({
      lifetime: sensor.lifetime,
      protocols: sensor.engine.stats.snapshot().protocols,
      anomalies: sensor.session?.anomalies ?? {},
      droppedByKernel: sensor.unfoldedDrops,
      pcapDroppedFrames: sensor.unfoldedPcapDrops,
      pcapSkippedFrames: sensor.unfoldedPcapSkips,
      pcapRotatedFrames: sensor.unfoldedPcapRotations,
      skippedByReader: sensor.unfoldedSkips,
      latency: sensor.latencyHistograms,
      tables: sensor.engine.tables(),
      captureRunning: sensor.running ? 1 : 0,
      sseClients: hub.clients,
      sseDroppedRows: hub.droppedRows,
    }));
  });

  app.get("/api/interfaces", async (c) => c.json(await listInterfaces()));

  app.get("/api/session", (c) => c.json(sensor.session ?? null));

  app.post("/api/start", async (c) => {
    const body = await readJsonBody(c, {
      mode: "string",
      interface: "string",
      filter: "string",
      file: "string",
      realtime: "boolean",
    });
    if (body.mode === undefined) {
      throw new SensorError(
        400,
        'Field "mode" is required (live, demo or replay)',
      );
    }
    // A field of another mode would be ignored: say so instead.
    for (
      const [field, mode] of [
        ["interface", "live"],
        ["file", "replay"],
        ["realtime", "replay"],
      ] as const
    ) {
      if (body[field] !== undefined && body.mode !== mode) {
        throw new SensorError(
          400,
          `Field "${field}" is for ${mode} mode only, not ${body.mode}`,
        );
      }
    }
    const session = await sensor.start({
      mode: body.mode as CaptureMode,
      ...(body.interface !== undefined
        ? { interface: body.interface as string }
        : {}),
      ...(body.filter !== undefined ? { filter: body.filter as string } : {}),
      ...(body.file !== undefined ? { file: body.file as string } : {}),
      ...(body.realtime !== undefined
        ? { realtime: body.realtime as boolean }
        : {}),
    });
    return c.json(session, 201);
  });

  app.post("/api/stop", async (c) => {
    await readJsonBody(c, {});
    return c.json(await sensor.stop());
  });

  app.post("/api/clear", async (c) => {
    await readJsonBody(c, {});
    sensor.clear();
    return c.json({ cleared: true });
  });

  app.get("/api/packets", (c) => {
    const limit = intQuery(c.req.query("limit"), "limit", 100);
    const found = sensor.packets.search({
      limit,
      ...packetFilters(c.req.query()),
    });
    // Where the search looked: the packets still held, newest back (a
    // sensor keeps its last packets, not the whole session).
    c.header("X-Packets-Searched", String(found.searched));
    c.header("X-Packets-Searched-From", String(found.fromN));
    c.header("X-Packets-Searched-To", String(found.toN));
    return c.json(found.rows);
  });

  app.get("/api/replay-files", async (c) => {
    const dir = sensor.replayDir;
    // Without --replay-dir a replay reads any file by its path, and there
    // is no directory to list (an answer, not an error, for the page).
    if (dir === undefined) {
      return c.json(
        { dir: "", files: [], more: false } satisfies ReplayFileList,
      );
    }
    return c.json(await listReplayFiles(dir));
  });

  app.get("/api/packets/:n/pcap", (c) => {
    const n = intQuery(c.req.param("n"), "packet number", 0);
    const pcap = sensor.packets.pcapOf(n);
    if (!pcap) {
      throw new SensorError(
        404,
        `The bytes of packet ${n} are no longer held (only the last ${sensor.packets.capacity} packets' are)`,
      );
    }
    const session = sensor.session?.id;
    return new Response(pcap, {
      headers: {
        ...pcapHeaders(
          session === undefined ? `packet-${n}` : `${session}-packet-${n}`,
        ),
        "Content-Length": String(pcap.byteLength),
      },
    });
  });

  app.get("/api/packets/:n", (c) => {
    const n = intQuery(c.req.param("n"), "packet number", 0);
    const packet = sensor.packetRecord(n);
    if (!packet) {
      const packets = sensor.session?.packets ?? 0;
      throw new SensorError(
        404,
        n >= 1 && n <= packets
          ? `Packet ${n} is no longer held (only the last ${sensor.packets.capacity} are)`
          : `No packet ${n}: the session's packets are numbered 1 to ${packets}`,
      );
    }
    return c.json({
      n,
      ...publicPacketFields(packet),
      // The sensor kept the frame's first bytes only (its session PCAP has
      // the whole frame): a "truncated" packet here is the sensor's cut.
      ...(sensor.packets.isCut(n) ? { cutBySensor: true } : {}),
    });
  });

  app.get("/api/alerts", (c) => {
    const limit = intQuery(c.req.query("limit"), "limit", 100);
    const severity = c.req.query("severity");
    if (severity !== undefined && !Object.hasOwn(SEVERITY_ORDER, severity)) {
      throw new SensorError(
        400,
        `Unknown severity "${severity}" (${
          Object.keys(SEVERITY_ORDER).join(", ")
        })`,
      );
    }
    const minimum = severity ? SEVERITY_ORDER[severity as Severity] : 0;
    return c.json(
      sensor.alerts().filter((a) => SEVERITY_ORDER[a.severity] >= minimum)
        .slice(0, limit),
    );
  });

  app.get("/api/alerts/:id", (c) => {
    const alert = sensor.alert(c.req.param("id"));
    if (!alert) throw new SensorError(404, `No alert "${c.req.param("id")}"`);
    return c.json(alert);
  });

  app.post("/api/alerts/:id/ack", async (c) => {
    const body = await readJsonBody(c, { note: "string" });
    const note = (body.note as string | undefined) ?? "";
    // Characters as people count them (code points: an emoji is one).
    const characters = [...note].length;
    if (characters > MAX_ACK_NOTE_LENGTH) {
      throw new SensorError(
        400,
        `Field "note" must be at most ${MAX_ACK_NOTE_LENGTH} characters, got ${characters}`,
      );
    }
    const alert = sensor.acknowledgeAlert(c.req.param("id"), note);
    if (!alert) throw new SensorError(404, `No alert "${c.req.param("id")}"`);
    return c.json(alert);
  });

  app.post("/api/alerts/:id/reopen", async (c) => {
    await readJsonBody(c, {});
    const alert = sensor.reopenAlert(c.req.param("id"));
    if (!alert) throw new SensorError(404, `No alert "${c.req.param("id")}"`);
    return c.json(alert);
  });

  app.get("/api/stats", (c) =>
    c.json({
      ...sensor.engine.stats.snapshot(),
      session: sensor.session ?? null,
      tables: sensor.engine.tables(),
      stream: { clients: hub.clients, droppedRows: hub.droppedRows },
    }));

  app.get(
    "/api/stats/latency",
    (c) => c.json(sensor.engine.latency.snapshot()),
  );

  app.post("/api/export/report", async (c) => {
    await readJsonBody(c, {});
    await sensor.flushPcap();
    const report = await buildReport({
      version: deps.version,
      session: sensor.session,
      stats: sensor.engine.stats.snapshot(),
      latency: sensor.engine.latency.snapshot(),
      alerts: sensor.alerts(),
      tally: sensor.alertTally(),
      dataDir: sensor.dataDir,
      digests,
    });
    c.header(
      "Content-Disposition",
      `attachment; filename="netmirror-report-${
        report.session?.id ?? "none"
      }.json"`,
    );
    return c.json(report);
  });

  app.get("/api/export/pcap/alert/:id", async (c) => {
    const id = c.req.param("id");
    const alert = sensor.alert(id);
    if (!alert) throw new SensorError(404, `No alert "${id}"`);
    // One slot from the slice's start until it is sent: the memory that
    // alert slices hold is bounded (a 503 asks to come back later).
    const release = slices.take();
    let slice: AlertSlice;
    try {
      slice = await buildAlertSlice(sensor, alert, slices);
    } catch (error) {
      release();
      throw error;
    }
    const session = slice.sessionId;
    // Hono answers HEAD with GET's headers and drops the body unread: its
    // slot is free at once.
    if (c.req.method === "HEAD") release();
    return new Response(slice.pcap.stream(release), {
      headers: {
        ...pcapHeaders(session === undefined ? id : `${session}-${id}`),
        // Said also to HEAD, whose answer has no body to measure.
        "Content-Length": String(slice.pcap.byteLength),
        "X-Frames": String(slice.frames),
        "X-Frames-Source": slice.source,
        ...(slice.truncated ? { "X-Frames-Truncated": "true" } : {}),
        ...(slice.startLost ? { "X-Frames-Start-Lost": "true" } : {}),
        // Frames the ring holds cut to its frame size (the disk's are whole).
        ...(slice.cutFrames > 0
          ? { "X-Frames-Cut": String(slice.cutFrames) }
          : {}),
      },
    });
  });

  app.get("/api/export/pcap/:session", async (c) => {
    const id = c.req.param("session");
    const current = sensor.session?.id === id;
    const head = c.req.method === "HEAD";
    /** The session's files, frames still buffered in them first (a HEAD reads none); a 404 for a session without any. */
    const filesOf = async (): Promise<string[]> => {
      if (current && !head) await sensor.flushPcap();
      const paths = await sessionPcapFiles(sensor.dataDir, id);
      if (paths.length === 0 && !current) {
        throw new SensorError(404, `No PCAP for session "${id}"`);
      }
      return paths;
    };
    const filter = c.req.query("filter")?.trim() ?? "";
    const search = {
      ...packetFilters(c.req.query()),
      ...optional("filter", filter),
    };
    if (isPcapSearch(search)) {
      const paths = await filesOf();
      // Its link type and clock: one of each per session.
      const sessionHeader = await firstFileHeader(paths);
      if (filter !== "") await validateBpf(filter, sessionHeader);
      // Each search reads the whole session PCAP: a few at a time.
      const release = searches.take();
      try {
        // The size of what matches is known only at the end.
        const headers = pcapHeaders(`${id}-matches`);
        if (head) {
          release();
          return new Response(null, { headers });
        }
        const stream = await searchSessionPcap(
          joinSessionFiles(paths, { onSkipped: warnSkipped(id, "search") }),
          search,
          { sessionHeader, onEnd: release },
        );
        return new Response(stream, { headers });
      } catch (error) {
        release();
        throw error;
      }
    }
    const paths = await filesOf();
    const headers = pcapHeaders(id);
    if (paths.length === 0) {
      // The current session before its first frame: a valid, empty capture.
      const empty = new PcapBuilder(LINK_TYPE.ETHERNET).toBytes();
      return new Response(empty, {
        headers: { ...headers, "Content-Length": String(empty.length) },
      });
    }
    // Whether there is one and its size so far, without opening a file that
    // no body will ever read and close (the dashboard asks before each
    // download, and shows the size).
    if (head) {
      const bytes = await joinedSessionBytes(paths);
      return new Response(null, {
        headers: { ...headers, "Content-Length": String(bytes) },
      });
    }
    return new Response(
      joinSessionFiles(paths, { onSkipped: warnSkipped(id, "export") }),
      { headers },
    );
  });

  app.get("/api/stream", (c) => hub.handle(c));

  app.get("/", (c) => {
    if (!deps.ui) {
      return c.text(
        "NetMirror API is running; the dashboard is not built into this copy (run `deno task bundle`).\n",
      );
    }
    return c.html(deps.ui.html);
  });
  app.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    const assets = deps.ui?.assets;
    // Own entries only: "constructor" is no asset.
    const asset = assets && Object.hasOwn(assets, name)
      ? assets[name]
      : undefined;
    if (!asset) throw new SensorError(404, "No such asset");
    c.header("Content-Type", asset.contentType);
    c.header("Cache-Control", "no-cache");
    return c.body(asset.body);
  });

  return app;
}

/** The methods of `app`'s routes (not its middleware) whose pattern matches `path`. */
function allowedMethods(app: Hono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue; // middleware
    const pattern = route.path.split("/").map((part) =>
      part.startsWith(":")
        ? "[^/]+"
        : part === "*"
        ? ".*"
        : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    ).join("/");
    if (new RegExp(`^${pattern}$`).test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

function intQuery(
  value: string | undefined,
  name: string,
  fallback: number,
): number {
  if (value === undefined || value === "") return fallback;
  const number = digitsOnly(value);
  if (!Number.isInteger(number) || number < 0 || number > MAX_QUERY_NUMBER) {
    throw new SensorError(
      400,
      `${name} must be a whole number from 0 to ${MAX_QUERY_NUMBER}, got "${value}"`,
    );
  }
  return name === "limit" ? Math.min(number, MAX_LIMIT) : number;
}

function optional(
  name: string,
  value: string | undefined,
): Record<string, string> {
  return value === undefined || value === "" ? {} : { [name]: value };
}

/** Searches of session PCAPs (`GET /api/export/pcap/<session>?q=`) running at once, at most. */
export const MAX_PCAP_SEARCHES = 2;

/**
 * The packet table's filters of a query string (`q`, `protocol`, `src`,
 * `dst`), as `GET /api/packets` and a session PCAP's search take them:
 * each search word is tested on every packet searched, so a bounded
 * search stays a bounded cost.
 */
function packetFilters(
  query: Record<string, string>,
): Omit<PacketQuery, "limit"> {
  boundQuery(query, "q", MAX_SEARCH_LENGTH);
  boundQuery(query, "protocol", MAX_SEARCH_LENGTH);
  boundQuery(query, "src", MAX_ADDRESS_LENGTH);
  boundQuery(query, "dst", MAX_ADDRESS_LENGTH);
  return {
    ...optional("protocol", query.protocol),
    ...addressQuery("src", query.src),
    ...addressQuery("dst", query.dst),
    ...optional("q", query.q),
  };
}

/** A 400 when the `name` parameter of `query` is longer than `maxLength` (UTF-16 units). */
function boundQuery(
  query: Record<string, string>,
  name: string,
  maxLength: number,
): void {
  const length = query[name]?.length ?? 0;
  if (length > maxLength) {
    throw new SensorError(
      400,
      `"${name}" may be at most ${maxLength} characters, got ${length}`,
    );
  }
}

/**
 * Resolves if `filter` compiles for the link type `sessionHeader` names
 * (tcpdump -d -y: "vlan" compiles for Ethernet, not for raw IPv4); a 400
 * with tcpdump's reason if not. A link type without a libpcap name here is
 * not checked first: tcpdump, reading the session, fails the download.
 */
async function validateBpf(
  filter: string,
  sessionHeader: Uint8Array,
): Promise<void> {
  const linkType = LINK_TYPE_INFO[linkTypeOfPcapHeader(sessionHeader)]?.name;
  try {
    if (linkType !== undefined) {
      await validateFilter(filter, "tcpdump", linkType);
    } else {
      const tooLong = filterLengthError(filter);
      if (tooLong !== undefined) throw tooLong;
    }
  } catch (error) {
    if (error instanceof TcpdumpError && error.code === "bad_filter") {
      throw new SensorError(400, error.message);
    }
    throw error;
  }
}

/** The file header of the first of `paths` still there (Ethernet in microseconds when none is). */
async function firstFileHeader(paths: string[]): Promise<Uint8Array> {
  for (const path of paths) {
    try {
      using file = await Deno.open(path);
      const header = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
      if (await file.read(header) === PCAP_FILE_HEADER_LENGTH) return header;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return new PcapBuilder(LINK_TYPE.ETHERNET).toBytes();
}

/** Longest search text (`q`) and protocol list (`protocol`) `GET /api/packets` takes, in UTF-16 units. */
const MAX_SEARCH_LENGTH = 256;

/** Longest `src` or `dst` taken, in UTF-16 units: an address is at most 45 (IPv6 ending in IPv4). */
const MAX_ADDRESS_LENGTH = 64;

/** A warning on stderr that `what` (a download) of session `id` left out `files` files rotated away while it was read. */
function warnSkipped(
  id: string,
  what: "export" | "search",
): (files: number) => void {
  return (files) =>
    console.error(
      `netmirror: session ${id}'s PCAP ${what} left out ${files} file${
        files === 1 ? "" : "s"
      } rotated away (the session's byte cap) while it was read`,
    );
}

/** Scratch words of {@linkcode addressQuery}. */
const ipv6Words = new Int32Array(4);

/**
 * The `name` query parameter as one IP address, written as the decoder
 * writes addresses (IPv6 compressed, lower case), so it matches packets'
 * addresses exactly; a 400 for anything else (a prefix, a name, a typo).
 */
function addressQuery(
  name: string,
  value: string | undefined,
): Record<string, string> {
  if (value === undefined || value === "") return {};
  if (parseIpv4(value) >= 0) return { [name]: value };
  if (!value.includes("%") && parseIpv6Text(value, ipv6Words)) {
    const [w0, w1, w2, w3] = ipv6Words;
    return { [name]: formatIpv6Words(w0!, w1!, w2!, w3!) };
  }
  throw new SensorError(
    400,
    `Bad ${name}: "${value}" is not one IPv4 or IPv6 address`,
  );
}
