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

/** Like {@linkcode reportAnomaly}, and marks the record truncated (a header says more bytes than the capture holds). */
export function reportTruncated(
  record: PacketRecord,
  anomalies: AnomalyCounter,
  name: string,
): void {
  record.truncated = true;
  anomalies.add(name);
  if (record.anomaly === "") record.anomaly = name;
}
