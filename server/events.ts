/**
 * The events the sensor publishes on its bus and streams over SSE.
 *
 * @module
 */

import type { Alert } from "../detectors/alert.ts";
import type { AlertEvent } from "../detectors/alert_lifecycle.ts";
import type { StatsSnapshot } from "../detectors/stats/traffic_stats.ts";
import type { PacketRow } from "./packet_row.ts";

/** A sampled batch of packet rows, with how many rows were left out. */
export interface PacketBatchEvent {
  type: "packet";
  /** Rows sent (at most the per-second row budget). */
  rows: PacketRow[];
  /** Packets of this interval that were not sent as rows (sampling or a slow client). */
  skipped: number;
  /** Rows this client lost because it read too slowly (present only then). */
  lost?: number;
}

/** Traffic statistics, about once a second. */
export interface StatsEvent {
  type: "stats";
  stats: StatsSnapshot;
  /** Packets the session has seen. */
  packets: number;
  /** Alerts raised in the session. */
  alerts: number;
}

/** An alert lifecycle transition (engaged, updated, released). */
export interface AlertStreamEvent {
  type: "alert";
  event: AlertEvent;
}

/** An analyst acknowledged an alert, or reopened it: the alert as it is now. */
export interface AckEvent {
  type: "ack";
  alert: Alert;
}

/** Capture state changes: started, stopped, failed, tcpdump drops. */
export interface StatusEvent {
  type: "status";
  /** Session state after the change. */
  state: "idle" | "running" | "stopped" | "failed";
  /** Session id, or "" when none. */
  sessionId: string;
  /** Capture mode, or "" when none. */
  mode: string;
  /** One plain sentence. */
  message: string;
  /** tcpdump's kernel drops so far (live mode), else 0. */
  droppedByKernel: number;
  /**
   * True when the sensor has just forgotten its packets, alerts and
   * statistics (a new session, or `POST /api/clear`): a client that
   * reconnects with `Last-Event-ID` is replayed nothing from before it.
   */
  cleared: boolean;
}

/** Anything the sensor publishes. */
export type SensorEvent =
  | PacketBatchEvent
  | StatsEvent
  | AlertStreamEvent
  | AckEvent
  | StatusEvent;

/** Names of the SSE event types, for `?types=` filters. */
export const SENSOR_EVENT_TYPES: readonly SensorEvent["type"][] = [
  "packet",
  "stats",
  "alert",
  "ack",
  "status",
];
