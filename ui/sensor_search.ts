/**
 * "Search the sensor": the search box and chip asked of the server
 * (`GET /api/packets?q=&protocol=`), whose recent packets hold far more
 * than the page's sample of rows. The table shows the sensor's matches
 * while the search and chip they answer stay as they were.
 *
 * @module
 */

import { computed, signal } from "@preact/signals";
import type { PacketRow } from "../server/packet_row.ts";
import { apiFetch, startDownload, withToken } from "./api.ts";
import { chipProtocols, type ProtocolChip } from "./packet_filter.ts";
import {
  localClears,
  MAX_ROWS,
  protocolChip,
  searchText,
  tableRows,
} from "./state.ts";

/** Rows the sensor is asked for at most (the table's bound). */
export const SENSOR_SEARCH_LIMIT = MAX_ROWS;

/** The sensor's answer to one search. */
export interface SensorMatches {
  /** The search text and chip asked. */
  text: string;
  chip: ProtocolChip;
  /** Matching rows, oldest first (as the table holds rows). */
  rows: readonly PacketRow[];
  /** Packets the sensor looked at: its held packets, newest back to where the limit stopped it. */
  searched: number;
  /** Oldest and newest packet numbers looked at (0: none). */
  fromN: number;
  toN: number;
  /** Whether the limit stopped the search before the oldest held packet. */
  limited: boolean;
  /** {@linkcode localClears} when asked: a clear since makes the answer stale. */
  clears: number;
}

/** The sensor's last answer (null: none asked, or put away). */
export const sensorMatches = signal<SensorMatches | null>(null, {
  name: "sensorMatches",
});
/** True while the sensor is being asked. */
export const sensorSearching = signal(false, { name: "sensorSearching" });
/** Why the last search of the sensor failed ("" when it did not). */
export const sensorSearchError = signal("", { name: "sensorSearchError" });

/** The sensor's matches while they answer the search and chip on screen (null: the page's sample is shown). */
export const sensorView = computed(() => {
  const matches = sensorMatches.value;
  if (
    matches === null || matches.text !== searchText.value ||
    matches.chip !== protocolChip.value || matches.clears !== localClears.value
  ) return null;
  return matches;
});

/** The rows the packet table shows: the sensor's matches, or the page's sample through the chip and search. */
export const shownRows = computed(() =>
  sensorView.value?.rows ?? tableRows.value
);

/** The query string of a sensor search for `text` and `chip`. */
export function sensorSearchQuery(text: string, chip: ProtocolChip): string {
  return searchParams(
    text,
    chip,
    new URLSearchParams({ limit: String(SENSOR_SEARCH_LIMIT) }),
  ).toString();
}

/** `params` with the chip's protocols and the search text, where they filter. */
function searchParams(
  text: string,
  chip: ProtocolChip,
  params = new URLSearchParams(),
): URLSearchParams {
  const protocols = chipProtocols(chip);
  if (protocols !== "") params.set("protocol", protocols);
  if (text.trim() !== "") params.set("q", text.trim());
  return params;
}

/** Asks the sensor for the rows that match the search box and chip, and shows them. */
export async function searchSensor(): Promise<void> {
  if (sensorSearching.value) return;
  const text = searchText.value;
  const chip = protocolChip.value;
  const clears = localClears.value;
  sensorSearching.value = true;
  sensorSearchError.value = "";
  try {
    const response = await apiFetch(
      `/api/packets?${sensorSearchQuery(text, chip)}`,
    );
    const rows = await response.json() as PacketRow[];
    const header = (name: string) =>
      Number(response.headers.get(name) ?? "0") || 0;
    sensorMatches.value = {
      text,
      chip,
      rows: rows.reverse(),
      searched: header("X-Packets-Searched"),
      fromN: header("X-Packets-Searched-From"),
      toN: header("X-Packets-Searched-To"),
      limited: rows.length >= SENSOR_SEARCH_LIMIT,
      clears,
    };
  } catch (error) {
    sensorSearchError.value = error instanceof Error
      ? error.message
      : String(error);
  } finally {
    sensorSearching.value = false;
  }
}

/** The path of session `sessionId`'s frames that match `text` and `chip`, as one PCAP read from its files on disk (`GET /api/export/pcap/<session>?q=&protocol=`). */
export function matchesPcapPath(
  sessionId: string,
  text: string,
  chip: ProtocolChip,
): string {
  return `/api/export/pcap/${encodeURIComponent(sessionId)}?${
    searchParams(text, chip)
  }`;
}

/** True while a download of the matches is being asked for. */
export const matchesPcapAsking = signal(false, { name: "matchesPcapAsking" });

/**
 * Downloads every frame of the session that matches the sensor's answered
 * search, once the server has said it takes the search (a HEAD: a download
 * link that meets a 400, 404 or 503 fails silently in the browser's
 * download list); a refusal shows where the search's own errors do.
 */
export async function downloadMatchesPcap(
  sessionId: string,
  matches: SensorMatches,
): Promise<void> {
  if (matchesPcapAsking.value) return;
  const path = matchesPcapPath(sessionId, matches.text, matches.chip);
  matchesPcapAsking.value = true;
  sensorSearchError.value = "";
  try {
    const response = await apiFetch(path, { method: "HEAD" });
    await response.arrayBuffer(); // read to its end (an unread answer is logged as aborted)
    startDownload(withToken(path), `netmirror-${sessionId}-matches.pcap`);
  } catch (error) {
    sensorSearchError.value = `No PCAP of the matches: ${
      error instanceof Error ? error.message : String(error)
    }`;
  } finally {
    matchesPcapAsking.value = false;
  }
}

/** Goes back from the sensor's matches to the page's own rows. */
export function showPageSample(): void {
  sensorMatches.value = null;
  sensorSearchError.value = "";
}

/** What the table shows, in words: the sensor's matches and where it looked. */
export function describeSensorMatches(matches: SensorMatches): string {
  const count = matches.rows.length.toLocaleString("en-US");
  const range = matches.searched === 0
    ? ""
    : ` (#${matches.fromN.toLocaleString("en-US")}–#${
      matches.toN.toLocaleString("en-US")
    })`;
  if (matches.searched === 0) return "Sensor: it holds no packets now";
  if (matches.limited) {
    return `Sensor: the newest ${count} matches, in its packets${range}`;
  }
  const plural = matches.rows.length === 1 ? "match" : "matches";
  return `Sensor: ${count} ${plural} in its last ${
    matches.searched.toLocaleString("en-US")
  } packets${range}`;
}
