/**
 * The sources of a flood (the ICMP and UDP flood detectors'): the top ones
 * by the space-saving algorithm ({@linkcode TopKeys}), the distinct ones by
 * linear counting with the first few kept as samples
 * ({@linkcode AddressSample}), and how a finding tells them: the top
 * source, whether it is named the attacker, and the "from …" of the
 * summary. Bounded (4 counters, a 512-byte map, 20 samples) and reusable.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";
import { AddressSample } from "./address_sample.ts";
import { isSpoofOnlySource } from "./addresses.ts";
import {
  MAC_DOMINANT_SHARE,
  MajorityMac,
  throughMacText,
} from "./majority_mac.ts";
import { TopKeys } from "./top_keys.ts";

/** Counters of the top-sources summary (any source above 1/4 of the packets is kept): slots 0 to this less one. */
export const TOP_SOURCES = 4;

/** Bits of the distinct-source map (linear counting; estimates stay within a few % up to ~10 000 sources). */
const SOURCE_BITS = 4_096;

/** Sample sources kept for evidence. */
const MAX_SAMPLES = 20;

/** A flood's top source: its certain count and share of the packets, and its text ("" when it surely sent one packet at most, as a spoofed flood's each do). */
export interface FloodLeader {
  count: number;
  share: number;
  text: string;
}

/** The top and distinct sources of one flood's packets. */
export class FloodSources {
  /** The top sources (texts as {@linkcode keptText} keeps them). */
  readonly top = new TopKeys(TOP_SOURCES);
  /** The distinct sources and the first samples of them. */
  readonly distinct = new AddressSample(SOURCE_BITS, MAX_SAMPLES);
  /** The source MAC most of its packets came through. */
  readonly macs = new MajorityMac();

  /** Counts `packet`'s source; returns its slot in {@linkcode top} (`top.added` says whether it took it now). */
  add(packet: PacketRecord): number {
    const sourceKey = packet.srcAddressKey;
    const top = this.top;
    const slot = top.add(sourceKey);
    if (top.added) top.setText(slot, keptText(sourceKey, packet, true));
    this.distinct.add(sourceKey, packet, true);
    this.macs.add(packet.srcMacHigh, packet.srcMacLow);
    return slot;
  }

  /** Forgets every source (a flood's victims cost a word each). */
  clear(): void {
    this.top.clear();
    this.distinct.clear();
    this.macs.clear();
  }

  /** The top source among `total` packets. */
  leader(total: number): FloodLeader {
    const top = this.top;
    const slot = top.leader();
    const count = slot < 0 ? 0 : top.guaranteedAt(slot);
    return {
      count,
      share: total > 0 ? count / total : 0,
      text: count < 2 ? "" : addressTextOf(top.keyAt(slot), top.textAt(slot)),
    };
  }

  /**
   * The "from …" of a flood's summary: its attacker, its dominant leader
   * as a spoofed source, or how many sources the map estimates (never
   * more than the `total` packets; "more than" once the map is full); the
   * MAC most of them came through when no attacker is named and it sent
   * most.
   */
  fromText(
    attacker: string,
    leader: FloodLeader,
    dominant: boolean,
    total: number,
  ): { from: string; sources: number } {
    const sources = Math.min(this.distinct.estimate(), total);
    if (attacker !== "") return { from: `from ${attacker}`, sources };
    const from = dominant && leader.text !== ""
      ? `from ${leader.text}, a spoofed source`
      : sources === 1
      ? "from 1 source"
      : `from ${
        this.distinct.isFull() ? "more than" : "about"
      } ${sources} sources`;
    const mac = throughMacText(
      this.macs.text(),
      this.macs.share(total),
      MAC_DOMINANT_SHARE,
    );
    return { from: from + mac, sources };
  }
}

/** The attacker a flood names: its leader when `dominant`, unless the leader's address can only be spoofed. */
export function floodAttacker(leader: FloodLeader, dominant: boolean): string {
  return dominant && !isSpoofOnlySource(leader.text) ? leader.text : "";
}
