/**
 * An alert's PCAP slice: which frames it holds, and whether they come from
 * the in-memory frame ring or from the session PCAP on disk.
 *
 * @module
 */

import type { PcapBuilder } from "../capture/pcap_writer.ts";
import type { Alert } from "../detectors/alert.ts";
import type { FrameSelection } from "./frame_selection.ts";
import { sliceSessionPcap, type SliceSlots } from "./pcap_slice.ts";
import type { Sensor } from "./sensor.ts";

/** An alert's slice and where it came from. */
export interface AlertSlice {
  /** The selected frames as a pcap file. */
  pcap: PcapBuilder;
  frames: number;
  /** "ring" (memory) or "session-pcap" (disk). */
  source: "ring" | "session-pcap";
  /** True when a disk slice stopped early (at its size limit or at damage). */
  truncated: boolean;
  /** True when the source no longer reaches back to the alert's first packet. */
  startLost: boolean;
  /** Frames of a ring slice that the ring holds cut to its frame size. */
  cutFrames: number;
  /** The session whose frames these are (undefined before any). */
  sessionId: string | undefined;
}

/**
 * The frames an alert's slice holds: from a second before its first packet
 * to a second after its last, between attacker and victim when both are
 * known and the incident is between them alone. ARP and NDP attacks speak
 * to the whole segment (a poisoner's replies name other hosts, and come
 * from the address they forge; a rogue router's advertisements go to all
 * hosts, or to one, beside the real router's), and a scan that went on to
 * other hosts took in more than its first victim: theirs are every frame
 * from or to either.
 */
export function alertSelection(alert: Alert): FrameSelection {
  const hosts = alert.evidence.distinctHosts;
  return {
    fromUs: alert.firstSeenUs - 1_000_000,
    toUs: alert.lastSeenUs + 1_000_000,
    addresses: [alert.attacker, alert.victim],
    between: !alert.kind.startsWith("arp_") && alert.kind !== "ndp_spoof" &&
      alert.kind !== "rogue_router" && !alert.kind.startsWith("dhcp_") &&
      !(typeof hosts === "number" && hosts > 1),
  };
}

/**
 * Builds `alert`'s slice: from the in-memory ring while it holds the
 * alert's frames whole; else from the session PCAP (read in `slots`' turn),
 * which keeps them all, unless it has lost its start to its size limit:
 * the ring's then, if it has more. The ring is counted first, so that only
 * the slice sent is built.
 */
export async function buildAlertSlice(
  sensor: Sensor,
  alert: Alert,
  slots: SliceSlots,
): Promise<AlertSlice> {
  const selection = alertSelection(alert);
  const sessionId = sensor.session?.id;
  const inRing = sensor.frames.count(selection);
  if (
    sessionId !== undefined &&
    (!sensor.frames.holdsSince(selection.fromUs) || inRing.cutFrames > 0)
  ) {
    const fromDisk = await slots.readDisk(async () => {
      await sensor.flushPcap();
      return await sliceSessionPcap(sensor.dataDir, sessionId, selection);
    });
    if (fromDisk !== undefined && fromDisk.frames >= inRing.frames) {
      return {
        pcap: fromDisk.pcap,
        frames: fromDisk.frames,
        source: "session-pcap",
        truncated: fromDisk.truncated,
        startLost: fromDisk.firstUs > alert.firstSeenUs,
        cutFrames: 0,
        sessionId,
      };
    }
  }
  const fromRing = sensor.frames.toPcap(selection);
  return {
    pcap: fromRing.pcap,
    frames: fromRing.frames,
    source: "ring",
    truncated: false,
    startLost: !sensor.frames.holdsSince(alert.firstSeenUs),
    cutFrames: fromRing.cutFrames,
    sessionId,
  };
}
