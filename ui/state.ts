/**
 * The dashboard's state: module-level signals fed by one `EventSource` on
 * `/api/stream`, plus the actions the controls call. Components read the
 * signals; only the actions here write the server-fed ones.
 *
 * Memory is bounded whatever the packet rate: at most {@linkcode MAX_ROWS}
 * packet rows, {@linkcode MAX_ALERTS} alerts and {@linkcode MAX_TOASTS}
 * toasts are held.
 *
 * @module
 */

import { withToast } from "./toast_list.ts";
import { batch, computed, signal } from "@preact/signals";
import type { NetworkInterfaceInfo } from "../capture/interfaces.ts";
import {
  type Alert,
  type Severity,
  SEVERITY_ORDER,
} from "../detectors/alert.ts";
import type { AlertEvent } from "../detectors/alert_lifecycle.ts";
import type { LatencySnapshot } from "../detectors/latency/latency_analyzer.ts";
import type { StatsSnapshot } from "../detectors/stats/traffic_stats.ts";
import type {
  PacketBatchEvent,
  StatsEvent,
  StatusEvent,
} from "../server/events.ts";
import type { PacketRow } from "../server/packet_row.ts";
import type { CaptureMode, SessionInfo } from "../server/sensor.ts";
import {
  ApiError,
  apiFetch,
  attachmentName,
  getJson,
  postJson,
  saveBlob,
  startDownload,
  withToken,
} from "./api.ts";
import { appendBatch, mergeRows } from "./merge_rows.ts";
import { filterRows, type ProtocolChip } from "./packet_filter.ts";
import { SEVERITY_RANK } from "./palette.ts";
import { sessionChangeText } from "./session_notice.ts";

/** Packet rows the browser keeps at most (oldest dropped first). */
export const MAX_ROWS = 10_000;
/** Alerts the browser keeps at most (released ones dropped first). */
export const MAX_ALERTS = 1_000;
/** Toasts shown at once at most. */
export const MAX_TOASTS = 4;
/** How long a toast stays, ms. */
export const TOAST_MS = 6_000;
/** Pause between latency polls, ms. */
export const LATENCY_POLL_MS = 2_000;
/** Pause between asks of the session PCAP's size while a session runs, ms. */
export const PCAP_SIZE_POLL_MS = 10_000;
/** Wait before reopening a stream the browser gave up on, ms. */
export const RECONNECT_MS = 2_000;
/**
 * Rows fetched from `GET /api/packets` while a session runs (at page load or
 * after a reconnect); once it has ended, the table's whole bound
 * ({@linkcode MAX_ROWS}) is fetched.
 */
export const RUNNING_FETCH_ROWS = 500;

/** State of the SSE connection ("closed": lost, reconnecting). */
export type ConnectionState =
  | "connecting"
  | "open"
  | "closed"
  /** The sensor asks for an API token the page does not have (or a wrong one): no retry until one is given. */
  | "unauthorized";

/** A toast announcing a new alert. */
export interface Toast {
  /** Toast number (unique per page). */
  key: number;
  /** The alert as it engaged, or rose (shown when it is no longer held). */
  alert: Alert;
  /** The severity it rose from, for a toast of an escalation. */
  escalatedFrom?: Severity;
}

/** A session that replaced the one on screen, as the page tells it. */
export interface SessionNotice {
  /** The sentence (see ui/session_notice.ts). */
  text: string;
  /** The previous session's id (its PCAP may still be on disk). */
  previousId: string;
}

/** A control action the server refused or could not be asked. */
export interface ActionFailure {
  /** One sentence, shown inline. */
  message: string;
  /** True when the server refused the BPF filter (the filter box is marked). */
  aboutFilter: boolean;
  /** True when the request never got an answer (cleared on reconnect). */
  unreachable: boolean;
}

/** Sort order of the alert feed. */
export type AlertSort = "severity" | "time";

// Server-fed state.

/** The SSE connection. */
export const connection = signal<ConnectionState>("connecting", {
  name: "connection",
});
/** When the stream was lost, ms since the epoch (null while it is open). */
export const disconnectedMs = signal<number | null>(null, {
  name: "disconnectedMs",
});
/** The current (or last) capture session. */
export const session = signal<SessionInfo | null>(null, { name: "session" });
/** The latest traffic statistics. */
export const stats = signal<StatsSnapshot | null>(null, { name: "stats" });
/** Packets the session has seen (from the stats events). */
export const packetCount = signal(0, { name: "packetCount" });
/** Alerts the session has raised (from the stats events). */
export const alertCount = signal(0, { name: "alertCount" });
/** The latest latency statistics (polled). */
export const latency = signal<LatencySnapshot | null>(null, {
  name: "latency",
});
/** Capture interfaces from /api/interfaces. */
export const interfaces = signal<NetworkInterfaceInfo[]>([], {
  name: "interfaces",
});
/** Sampled packet rows, oldest first, at most {@linkcode MAX_ROWS}. */
export const rows = signal<readonly PacketRow[]>([], { name: "rows" });
/** Packets not sent as rows (the server samples at high rates). */
export const skippedRows = signal(0, { name: "skippedRows" });
/** Rows this tab lost because it read too slowly. */
export const lostRows = signal(0, { name: "lostRows" });
/** Alerts by id. */
export const alerts = signal<ReadonlyMap<string, Alert>>(new Map(), {
  name: "alerts",
});
/** Toasts on screen. */
export const toasts = signal<readonly Toast[]>([], { name: "toasts" });
/** The notice of a session that changed under the page (a restarted sensor), until dismissed. */
export const sessionNotice = signal<SessionNotice | null>(null, {
  name: "sessionNotice",
});
/** Size of the current session's PCAP so far, bytes (null: not known). */
export const sessionPcapBytes = signal<number | null>(null, {
  name: "sessionPcapBytes",
});
/** The server's latest status sentence. */
export const statusMessage = signal("", { name: "statusMessage" });
/** Times the page forgot the session's packets (a Clear, a new session): answers from before are stale. */
export const localClears = signal(0, { name: "localClears" });

// View state.

/** The protocol chip in force. */
export const protocolChip = signal<ProtocolChip>("All", {
  name: "protocolChip",
});
/** The search box text. */
export const searchText = signal("", { name: "searchText" });
/** The table's rows when paused (null: live). */
export const frozenRows = signal<readonly PacketRow[] | null>(null, {
  name: "frozenRows",
});
/** Whether the table follows new rows. */
export const autoScroll = signal(true, { name: "autoScroll" });
/** Services hidden from the doughnut by the legend toggles. */
export const hiddenProtocols = signal<ReadonlySet<string>>(new Set(), {
  name: "hiddenProtocols",
});
/** The packet row whose detail modal is open (as it was clicked). */
export const selectedPacket = signal<PacketRow | null>(null, {
  name: "selectedPacket",
});
/** Id of the alert whose detail modal is open. */
export const selectedAlert = signal<string | null>(null, {
  name: "selectedAlert",
});
/** Alert feed order. */
export const alertSort = signal<AlertSort>("severity", { name: "alertSort" });
/** Wall clock, ms, ticking once a second (for the uptime). */
export const now = signal(Date.now(), { name: "now" });

// Control form state.

/** The mode select. */
export const modeInput = signal<CaptureMode>("demo", { name: "modeInput" });
/** The interface select. */
export const interfaceInput = signal("", { name: "interfaceInput" });
/** The BPF filter input. */
export const filterInput = signal("", { name: "filterInput" });
/** The replay file input. */
export const fileInput = signal("", { name: "fileInput" });
/** The failure of the last control action, shown inline (null: none). */
export const actionError = signal<ActionFailure | null>(null, {
  name: "actionError",
});
/** True while a control action is in flight. */
export const busy = signal(false, { name: "busy" });

// Computed values.

/** True while a session runs. */
export const running = computed(() => session.value?.state === "running");

/** Whether a session has ended (stopped or failed): panels then show it whole, not its last seconds. */
export const sessionEnded = computed(() =>
  !running.value && session.value !== null
);

/** True while the stream is down: what the page shows may be out of date. */
export const offline = computed(() => connection.value !== "open");

/** The rows the table shows: frozen or live, through the chip and search. */
export const tableRows = computed(() =>
  filterRows(
    frozenRows.value ?? rows.value,
    protocolChip.value,
    searchText.value,
  )
);

/** Rows that arrived since the table was paused. */
export const pendingRows = computed(() => {
  const frozen = frozenRows.value;
  if (frozen === null) return 0;
  const last = frozen.at(-1)?.n ?? 0;
  let count = 0;
  const live = rows.value;
  for (let i = live.length - 1; i >= 0 && live[i]!.n > last; i--) count++;
  return count;
});

/** Alerts not yet released. */
export const activeAlerts = computed(() => {
  let count = 0;
  for (const alert of alerts.value.values()) {
    if (alert.state !== "released" && !alert.acknowledged) count++;
  }
  return count;
});

/** The alert feed in display order. */
export const sortedAlerts = computed(() => {
  const list = [...alerts.value.values()];
  const byTime = (a: Alert, b: Alert) =>
    b.firstSeenUs - a.firstSeenUs || b.id.localeCompare(a.id);
  if (alertSort.value === "time") return list.sort(byTime);
  return list.sort((a, b) =>
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || byTime(a, b)
  );
});

// The stream.

let source: EventSource | undefined;
let lastEventId = "";
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
let latencyTimer: ReturnType<typeof setInterval> | undefined;
let clockTimer: ReturnType<typeof setInterval> | undefined;
let pcapSizeTimer: ReturnType<typeof setInterval> | undefined;
let knownSessionId: string | null = null;
let toastKey = 0;
/** Bumped whenever local state is cleared: answers asked for before are dropped. */
let generation = 0;
/** When the last outage began, ms (kept after reconnecting, for the next session switch). */
let outageMs: number | null = null;
/** The report this page last exported: session id and when, ms. */
let lastReport: { sessionId: string; atMs: number } | null = null;
/** Stream events that came while the page switches sessions, applied after (null: not switching). */
let heldEvents: (() => void)[] | null = null;
/** Stream events held at most during a switch (a fetch's time of them). */
const MAX_HELD_EVENTS = 5_000;
/** A session switched to from `/api/session` before the stream said so: its cleared status, when it comes, is not a Clear. */
let fetchedSwitchId: string | null = null;
/** True while this page's own Start is under way: the session it begins is no news to it. */
let startPending = false;

/** Starts everything: the stream, the first fetches, the clock and the latency poll. */
export function startDashboard(): void {
  void loadInterfaces();
  void refreshSession().then(() => syncRows());
  connect();
  clockTimer ??= setInterval(() => now.value = Date.now(), 1000);
  latencyTimer ??= setInterval(() => void refreshLatency(), LATENCY_POLL_MS);
  pcapSizeTimer ??= setInterval(() => {
    if (running.value) void refreshPcapSize();
  }, PCAP_SIZE_POLL_MS);
}

/** Closes the stream and stops the timers (tests, page teardown). */
export function stopDashboard(): void {
  source?.close();
  source = undefined;
  clearTimeout(reconnectTimer);
  clearInterval(latencyTimer);
  clearInterval(clockTimer);
  clearInterval(pcapSizeTimer);
  latencyTimer = undefined;
  clockTimer = undefined;
  pcapSizeTimer = undefined;
}

/** Opens (or reopens) the SSE stream, resuming after the last event seen. */
export function connect(): void {
  source?.close();
  clearTimeout(reconnectTimer);
  connection.value = "connecting";
  const path = lastEventId === ""
    ? "/api/stream"
    : `/api/stream?lastEventId=${encodeURIComponent(lastEventId)}`;
  const stream = new EventSource(withToken(path));
  source = stream;
  stream.onopen = () => {
    const reconnected = disconnectedMs.value !== null;
    if (reconnected) outageMs = disconnectedMs.value;
    batch(() => {
      connection.value = "open";
      disconnectedMs.value = null;
      if (actionError.value?.unreachable) actionError.value = null;
    });
    // Rows sent while the stream was down are not replayed: fetch them.
    void refreshSession().then(() => reconnected ? syncRows() : undefined);
    void refreshAlerts();
    void refreshLatency();
  };
  stream.onerror = () => {
    if (source !== stream) return;
    batch(() => {
      connection.value = "closed";
      disconnectedMs.value ??= Date.now();
    });
    if (stream.readyState === EventSource.CLOSED) {
      // The browser gave up (an HTTP error): a missing or wrong token is
      // said, and waits for one; anything else is tried again.
      void fetch(withToken("/api/session"), { method: "HEAD" }).then(
        (response) => response.status,
        () => 0,
      ).then((status) => {
        if (source !== stream) return;
        if (status === 401) connection.value = "unauthorized";
        else reconnectTimer = setTimeout(connect, RECONNECT_MS);
      });
    }
    // Otherwise the browser retries by itself, sending Last-Event-ID.
  };
  stream.addEventListener("packet", (message) => {
    const event = readEvent<Omit<PacketBatchEvent, "type">>(message);
    if (event) {
      deliver(() => addRows(event.rows, event.skipped, event.lost ?? 0));
    }
  });
  stream.addEventListener("stats", (message) => {
    const event = readEvent<Omit<StatsEvent, "type">>(message);
    if (event) {
      deliver(() => applyStats(event.stats, event.packets, event.alerts));
    }
  });
  stream.addEventListener("ack", (message) => {
    const event = readEvent<{ alert: Alert }>(message);
    if (event) deliver(() => applyAck(event.alert));
  });
  stream.addEventListener("alert", (message) => {
    const event = readEvent<{ event: AlertEvent }>(message);
    if (event) deliver(() => applyAlertEvent(event.event));
  });
  stream.addEventListener("status", (message) => {
    const event = readEvent<Omit<StatusEvent, "type">>(message);
    if (event) deliver(() => applyStatus(event));
  });
}

/** Applies a stream event now, or after the session switch under way (bounded). */
function deliver(apply: () => void): void {
  if (heldEvents === null) apply();
  else if (heldEvents.length < MAX_HELD_EVENTS) heldEvents.push(apply);
}

function readEvent<T>(message: Event): T | undefined {
  const { data, lastEventId: id } = message as MessageEvent<string>;
  if (id) lastEventId = id;
  try {
    return JSON.parse(data) as T;
  } catch {
    return undefined;
  }
}

function addRows(batchRows: PacketRow[], skipped: number, lost: number): void {
  batch(() => {
    const appended = appendBatch(rows.value, batchRows, skipped, MAX_ROWS);
    if (appended.rows !== rows.value) rows.value = appended.rows;
    if (appended.skipped > 0) skippedRows.value += appended.skipped;
    if (lost > 0) lostRows.value += lost;
  });
}

function applyAlertEvent(event: AlertEvent): void {
  const alert = event.alert;
  const next = new Map(alerts.value);
  const isNew = !next.has(alert.id);
  next.delete(alert.id); // re-insert: the Map keeps insertion order for eviction
  next.set(alert.id, alert);
  evictAlerts(next);
  alerts.value = next;
  if (event.type === "engaged" && isNew) showToast(alert);
  else if (
    event.type === "updated" && event.escalatedFrom !== undefined &&
    SEVERITY_ORDER[alert.severity] >= SEVERITY_ORDER.high
  ) {
    // A rise to high or critical (a guess that logged in, a flood that
    // grew) is news; a scan's low to medium is not worth a toast.
    showToast(alert, event.escalatedFrom);
  }
}

/** An acknowledgement given or withdrawn (by any client): the alert as the server has it now. */
function applyAck(alert: Alert): void {
  const held = alerts.value.get(alert.id);
  if (!held) return;
  const { acknowledged: _old, ...rest } = held;
  const next = new Map(alerts.value);
  next.set(
    alert.id,
    alert.acknowledged ? { ...rest, acknowledged: alert.acknowledged } : rest,
  );
  alerts.value = next;
}

/** Marks an alert acknowledged, with the analyst's `note` ("": none); it stops counting as active here and for every client. */
export function acknowledgeAlert(id: string, note = ""): Promise<void> {
  return postAck(id, "ack", note === "" ? undefined : { note });
}

/** Withdraws an alert's acknowledgement. */
export function reopenAlert(id: string): Promise<void> {
  return postAck(id, "reopen");
}

/**
 * Asks for an acknowledgement or its withdrawal. The stream's `ack` event
 * says what became of it, in order with the alert's own events (an
 * escalation just after withdraws it again); the answer is applied only
 * while the stream is down.
 */
function postAck(
  id: string,
  action: "ack" | "reopen",
  body?: { note: string },
): Promise<void> {
  return runAction(async () => {
    const alert = await postJson<Alert>(
      `/api/alerts/${encodeURIComponent(id)}/${action}`,
      body,
    );
    if (connection.value !== "open") applyAck(alert);
  });
}

function evictAlerts(map: Map<string, Alert>): void {
  if (map.size <= MAX_ALERTS) return;
  for (const [id, alert] of map) {
    if (map.size <= MAX_ALERTS) return;
    if (alert.state === "released") map.delete(id);
  }
  for (const id of map.keys()) {
    if (map.size <= MAX_ALERTS) return;
    map.delete(id);
  }
}

/** The alert of a toast as it is now (severity and summary move on). */
export function toastAlert(toast: Toast): Alert {
  return alerts.value.get(toast.alert.id) ?? toast.alert;
}

function showToast(alert: Alert, escalatedFrom?: Severity): void {
  const key = ++toastKey;
  toasts.value = withToast(
    toasts.value,
    escalatedFrom === undefined
      ? { key, alert }
      : { key, alert, escalatedFrom },
    MAX_TOASTS,
  );
  setTimeout(() => dismissToast(key), TOAST_MS);
}

/** Removes toast `key`. */
export function dismissToast(key: number): void {
  toasts.value = toasts.value.filter((toast) => toast.key !== key);
}

function applyStatus(event: Omit<StatusEvent, "type">): void {
  const id = event.sessionId;
  if (
    id !== "" && knownSessionId !== null &&
    (id !== knownSessionId || id === fetchedSwitchId) &&
    (event.cleared === true || event.state === "running")
  ) {
    // A session other than the one on screen: switch to it whole, from
    // the server's own figures (a session already switched to from
    // /api/session is fetched again, quietly: its start is no Clear).
    const quiet = id === fetchedSwitchId || startPending;
    fetchedSwitchId = null;
    void switchSession(id, { quiet, message: event.message });
    return;
  }
  if (event.cleared === true) {
    // A Clear (from any client), or the first session the page hears of:
    // the server forgot its packets, alerts and stats, and numbers
    // packets from 1 again.
    if (id !== "") knownSessionId = id;
    clearLocal();
  } else if (event.state === "running" && id !== "") {
    resetForSession(id);
  }
  statusMessage.value = event.message;
  const current = session.value;
  if (
    current && current.id === event.sessionId && event.state !== "idle" &&
    current.state !== event.state
  ) {
    // At once, even if the server is gone before /api/session answers.
    session.value = {
      ...current,
      state: event.state,
      stoppedMs: event.state === "running"
        ? null
        : current.stoppedMs ?? Date.now(),
    };
  }
  const ended = event.state === "stopped" || event.state === "failed";
  void refreshSession().then(() => ended ? syncRows() : undefined);
  // The poll stops with the session: its last figures come from here.
  if (ended) void refreshLatency(true);
}

/** Forgets what the browser holds of an earlier session when `id` is new. */
function resetForSession(id: string): void {
  if (knownSessionId === id) return;
  knownSessionId = id;
  clearLocal();
}

/** How {@linkcode switchSession} goes. */
interface SwitchOptions {
  /** No notice (the page already switched to this session). */
  quiet?: boolean;
  /** The status sentence that announced the session. */
  message?: string;
}

/**
 * Replaces the session on screen with session `id` in one step: its
 * status, uptime, controls, alerts, figures and rows all come from the
 * server's answers, applied together, and stream events that arrive
 * meanwhile wait until then (no moment shows the old session's state
 * with the new one's rows). The page then says what happened to the
 * previous session ({@linkcode sessionNotice}).
 */
async function switchSession(
  id: string,
  options: SwitchOptions = {},
): Promise<void> {
  const previousId = knownSessionId;
  const previousAlerts = Math.max(alertCount.value, alerts.value.size);
  const reportedMs = lastReport?.sessionId === previousId
    ? lastReport.atMs
    : null;
  knownSessionId = id;
  const asked = ++generation;
  heldEvents ??= [];
  try {
    const [info, list, snapshot] = await Promise.all([
      getJson<SessionInfo | null>("/api/session"),
      getJson<Alert[]>(`/api/alerts?limit=${MAX_ALERTS}`),
      getJson<StatsSnapshot & { session: SessionInfo | null }>("/api/stats"),
    ]);
    const rowLimit = info?.state === "running" ? RUNNING_FETCH_ROWS : MAX_ROWS;
    const recent = await getJson<PacketRow[]>(`/api/packets?limit=${rowLimit}`);
    if (asked !== generation) return;
    if (info === null || info.id !== id) {
      // Yet another session since: the next status event switches again.
      clearLocal();
      return;
    }
    const next = new Map<string, Alert>();
    for (const alert of list.reverse()) next.set(alert.id, alert);
    evictAlerts(next);
    batch(() => {
      clearLocal();
      session.value = info;
      modeInput.value = info.mode;
      alerts.value = next;
      applyStats(snapshot, info.packets, snapshot.kpis.alertCount);
      rows.value = recent.reverse().slice(-MAX_ROWS);
      sessionPcapBytes.value = null;
      if (options.message !== undefined) statusMessage.value = options.message;
      if (!options.quiet && previousId !== null) {
        sessionNotice.value = {
          text: sessionChangeText({
            restarted: outageMs !== null && info.startedMs >= outageMs,
            startedMs: info.startedMs,
            previousAlerts,
            reportedMs,
          }),
          previousId,
        };
      }
    });
    outageMs = null;
    void refreshLatency(true);
    void refreshPcapSize();
  } catch {
    // The sensor went away again: show nothing of the old session.
    if (asked === generation) clearLocal();
  } finally {
    const held = heldEvents ?? [];
    heldEvents = null;
    for (const apply of held) apply();
  }
}

/** Hides the session notice. */
export function dismissSessionNotice(): void {
  sessionNotice.value = null;
}

function clearLocal(): void {
  generation++;
  batch(() => {
    localClears.value++;
    rows.value = [];
    frozenRows.value = null;
    skippedRows.value = 0;
    lostRows.value = 0;
    alerts.value = new Map();
    toasts.value = [];
    stats.value = null;
    latency.value = null;
    packetCount.value = 0;
    alertCount.value = 0;
    selectedPacket.value = null;
    selectedAlert.value = null;
  });
}

// Fetches.

async function loadInterfaces(): Promise<void> {
  try {
    const list = await getJson<NetworkInterfaceInfo[]>("/api/interfaces");
    interfaces.value = list;
    if (interfaceInput.value === "") {
      const preferred = list.find((nic) => nic.up && !nic.loopback) ??
        list[0];
      interfaceInput.value = preferred?.name ?? "";
    }
  } catch {
    // No tcpdump or no permission: live mode shows an empty list.
    interfaces.value = [];
  }
}

// Each refresh drops an answer asked for before a clear (a new session's
// or another client's): it would bring back what the clear removed.

async function refreshSession(): Promise<void> {
  const asked = generation;
  try {
    const info = await getJson<SessionInfo | null>("/api/session");
    if (asked !== generation) return;
    if (info && knownSessionId !== info.id) {
      if (knownSessionId !== null) {
        // A session the stream has not announced (yet): switch to it
        // whole; its cleared status, when the stream brings it, is no
        // Clear.
        fetchedSwitchId = info.id;
        void switchSession(info.id);
        return;
      }
      knownSessionId = info.id;
      // The form offers the mode of the session on screen, running or not.
      if (!running.value) modeInput.value = info.mode;
    }
    const changed = session.value?.id !== info?.id;
    session.value = info;
    if (changed) sessionPcapBytes.value = null;
    void refreshPcapSize();
    if (info && info.mode !== modeInput.value && info.state === "running") {
      modeInput.value = info.mode;
    }
  } catch {
    // The stream's state shows the outage.
  }
}

async function refreshAlerts(): Promise<void> {
  const asked = generation;
  try {
    const list = await getJson<Alert[]>(`/api/alerts?limit=${MAX_ALERTS}`);
    if (asked !== generation) return;
    const next = new Map(alerts.value);
    // The API lists newest first; insert oldest first.
    for (const alert of list.reverse()) {
      const held = next.get(alert.id);
      if (!held || held.lastSeenUs <= alert.lastSeenUs) {
        next.set(alert.id, alert);
      }
    }
    evictAlerts(next);
    alerts.value = next;
  } catch {
    // Keep what is held.
  }
}

/** The session's figures, its packet count and its alert count, from a stats event or `/api/stats`. */
function applyStats(
  snapshot: StatsSnapshot,
  packets: number,
  alertsEngaged: number,
): void {
  batch(() => {
    stats.value = snapshot;
    packetCount.value = packets;
    alertCount.value = alertsEngaged;
  });
}

/** Polls latency while a session runs; `final` fetches once more after it ended (its last figures). */
async function refreshLatency(final = false): Promise<void> {
  if (connection.value !== "open") return;
  if (!final && latency.value !== null && !running.value) return;
  const asked = generation;
  try {
    const snapshot = await getJson<LatencySnapshot>("/api/stats/latency");
    if (asked === generation) latency.value = snapshot;
  } catch {
    // Next poll.
  }
}

/**
 * Fills the table with the server's latest rows (the stream sends a sample
 * of them): {@linkcode RUNNING_FETCH_ROWS} while a session runs, the
 * table's whole bound once it has ended. A paused table gets the rows up to
 * where it was paused.
 */
async function syncRows(): Promise<void> {
  const asked = generation;
  const limit = running.value ? RUNNING_FETCH_ROWS : MAX_ROWS;
  let recent: PacketRow[];
  try {
    recent = await getJson<PacketRow[]>(`/api/packets?limit=${limit}`);
  } catch {
    return; // The stream fills the table.
  }
  // Cleared meanwhile: these rows are numbered from before.
  if (asked !== generation || recent.length === 0) return;
  // Newest first from the API; the table holds oldest first.
  recent.reverse();
  batch(() => {
    const merged = mergeRows(rows.value, recent, MAX_ROWS);
    if (merged.added === 0) return;
    rows.value = merged.rows;
    skippedRows.value = Math.max(0, skippedRows.value - merged.added);
    const frozen = frozenRows.value;
    if (frozen !== null) {
      const last = frozen.at(-1)?.n ?? 0;
      const upToPause = recent.filter((row) => row.n <= last);
      frozenRows.value = mergeRows(frozen, upToPause, MAX_ROWS).rows;
    }
  });
}

/** A packet's full decoded record (for the detail modal). */
export interface PacketDetail {
  /** The record, or undefined when the server no longer holds this packet. */
  record: Record<string, unknown> | undefined;
  /** Why there is no record ("" when there is one). */
  error: string;
}

/**
 * Fetches the full decoded record of packet `row.n` (for the detail
 * modal). A record that is not `row`'s packet (the server numbers packets
 * from 1 again after a clear) or that arrives after a clear is not given.
 */
export async function fetchPacket(row: PacketRow): Promise<PacketDetail> {
  const asked = generation;
  const gone = {
    record: undefined,
    error: `Packet #${row.n} is no longer held by the sensor (cleared)`,
  };
  let record: Record<string, unknown>;
  try {
    record = await getJson<Record<string, unknown>>(`/api/packets/${row.n}`);
  } catch (error) {
    if (asked !== generation) return gone;
    return {
      record: undefined,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  if (asked !== generation || record.timestampUs !== row.timestampUs) {
    return gone;
  }
  return { record, error: "" };
}

// Actions.

/** Runs a control action, keeping its failure in {@linkcode actionError}. */
async function runAction(
  action: () => Promise<void>,
  kind: "start" | "other" = "other",
): Promise<void> {
  if (busy.value) return;
  busy.value = true;
  actionError.value = null;
  try {
    await action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = error instanceof ApiError ? error.status : -1;
    actionError.value = {
      message,
      // The server refuses a bad filter with 400 and a message naming it.
      aboutFilter: kind === "start" && status === 400 &&
        /filter/i.test(message),
      unreachable: status === 0,
    };
  } finally {
    busy.value = false;
  }
}

/** Starts a session from the control form. */
export function startCapture(): Promise<void> {
  return runAction(async () => {
    const mode = modeInput.value;
    const filter = filterInput.value.trim();
    const body: Record<string, string> = { mode };
    if (mode === "live") body.interface = interfaceInput.value;
    if (mode === "replay") body.file = fileInput.value.trim();
    if (mode !== "demo" && filter !== "") body.filter = filter;
    startPending = true;
    let info: SessionInfo;
    try {
      info = await postJson<SessionInfo>("/api/start", body);
    } finally {
      startPending = false;
    }
    resetForSession(info.id);
    session.value = info;
  }, "start");
}

/** Stops the running session. */
export function stopCapture(): Promise<void> {
  return runAction(async () => {
    session.value = await postJson<SessionInfo>("/api/stop");
  });
}

/** Clears packets, alerts and stats on the server and here. */
export function clearAll(): Promise<void> {
  return runAction(async () => {
    const asked = generation;
    await postJson("/api/clear");
    // The stream's cleared status usually comes first, and whatever came
    // after it (new rows, an alert that engaged) is of the new state: clear
    // here only if it has not (the stream is down or behind).
    if (asked === generation) clearLocal();
  });
}

/** Downloads the JSON incident report. */
export function downloadReport(): Promise<void> {
  return runAction(async () => {
    const sessionId = session.value?.id;
    const response = await apiFetch("/api/export/report", { method: "POST" });
    const name = attachmentName(response, "netmirror-report.json");
    saveBlob(await response.blob(), name);
    if (sessionId !== undefined) lastReport = { sessionId, atMs: Date.now() };
  });
}

/**
 * Asks the server the size of session `sessionId`'s PCAP (a HEAD) and
 * keeps it in {@linkcode sessionPcapBytes}; throws the server's refusal.
 */
async function headSessionPcap(sessionId: string): Promise<void> {
  const response = await apiFetch(
    `/api/export/pcap/${encodeURIComponent(sessionId)}`,
    { method: "HEAD" },
  );
  // Read to its (empty) end: an answer left unread is logged by the
  // browser as an aborted request.
  await response.arrayBuffer();
  const bytes = Number(response.headers.get("Content-Length"));
  if (session.value?.id === sessionId && Number.isFinite(bytes)) {
    sessionPcapBytes.value = bytes;
  }
}

/** Refreshes {@linkcode sessionPcapBytes} (quietly: the button just shows no size). */
async function refreshPcapSize(): Promise<void> {
  const id = session.value?.id;
  if (id === undefined || connection.value !== "open") return;
  try {
    await headSessionPcap(id);
  } catch {
    if (session.value?.id === id) sessionPcapBytes.value = null;
  }
}

/**
 * Downloads the session PCAP, once the server says it has it: a download
 * link that meets a 404 fails silently in the browser's download list.
 */
export function downloadSessionPcap(sessionId: string): Promise<void> {
  return runAction(async () => {
    const url = sessionPcapUrl(sessionId);
    try {
      await headSessionPcap(sessionId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        throw new ApiError(
          404,
          `No PCAP for session ${sessionId}: the data directory was pruned since, or the session wrote none`,
        );
      }
      throw error;
    }
    startDownload(url, `netmirror-${sessionId}.pcap`);
  });
}

/** URL of the session PCAP download. */
export function sessionPcapUrl(sessionId: string): string {
  return withToken(`/api/export/pcap/${encodeURIComponent(sessionId)}`);
}

/**
 * Downloads an alert's PCAP slice once the server has answered with it; a
 * refusal throws an {@linkcode ApiError} that says why (a download link
 * that meets a 404 or a 503 fails silently in the browser's download list).
 */
export async function downloadAlertPcap(alertId: string): Promise<void> {
  const path = `/api/export/pcap/alert/${encodeURIComponent(alertId)}`;
  let response: Response;
  try {
    response = await apiFetch(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 503) {
      throw new ApiError(
        503,
        `the sensor is already sending as many slices as it allows; try again in a moment (${error.message})`,
      );
    }
    throw error;
  }
  const name = attachmentName(response, `netmirror-${alertId}.pcap`);
  saveBlob(await response.blob(), name);
}

/** URL of an alert's PCAP slice download. */
export function alertPcapUrl(alertId: string): string {
  return withToken(`/api/export/pcap/alert/${encodeURIComponent(alertId)}`);
}

/** Freezes or unfreezes the packet table. */
export function togglePause(): void {
  frozenRows.value = frozenRows.value === null ? rows.value : null;
}

/** Shows or hides service `name` in the doughnut. */
export function toggleProtocol(name: string): void {
  const next = new Set(hiddenProtocols.value);
  if (!next.delete(name)) next.add(name);
  hiddenProtocols.value = next;
}
