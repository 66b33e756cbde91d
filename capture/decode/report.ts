/**
 * How decoders report problems: a named anomaly counted in the
 * {@linkcode AnomalyCounter} and remembered (the first one) on the record.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { PacketRecord } from "../packet_record.ts";

/** Counts anomaly `name` and keeps it as `record.anomaly` if it is the packet's first. */
export function reportAnomaly(
  record: PacketRecord,
  anomalies: AnomalyCounter,
  name: string,
): void {
  anomalies.add(name);
  if (record.anomaly === "") record.anomaly = name;
}

/**
 * Marks the record truncated (a header says more bytes than the capture
 * holds) and reports `name`: as a snap-length cut when the capture kept
 * fewer bytes than the wire carried and `name` is a cut (`…_truncated`),
 * else as an anomaly, like {@linkcode reportAnomaly}.
 */
export function reportTruncated(
  record: PacketRecord,
  anomalies: AnomalyCounter,
  name: string,
): void {
  record.truncated = true;
  if (
    record.capturedLength < record.wireLength && name.endsWith("_truncated")
  ) {
    anomalies.addCut(name);
    return;
  }
  anomalies.add(name);
  if (record.anomaly === "") record.anomaly = name;
}

/** A header's least length and the anomalies that name it cut short (one constant per decoder). */
export interface MinimalHeader {
  /** Least header length, in bytes. */
  length: number;
  /** Anomaly when the message itself is too short to hold the header: malformed. */
  badLength: string;
  /** Anomaly when the capture cut the header (snap length, an ICMP quote). */
  truncated: string;
}

/**
 * Reports a header that the captured bytes cut short of `header.length`:
 * `header.badLength` when `length` (what the lower layers say the message
 * spans) cannot hold it either, else `header.truncated`.
 */
export function reportShortHeader(
  record: PacketRecord,
  anomalies: AnomalyCounter,
  length: number,
  header: MinimalHeader,
): void {
  if (length < header.length) {
    reportAnomaly(record, anomalies, header.badLength);
  } else {
    reportTruncated(record, anomalies, header.truncated);
  }
}
