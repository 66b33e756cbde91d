/**
 * The sources of a flood as its finding tells them (the ICMP and UDP flood
 * detectors'): the top source from a space-saving summary, whether it is
 * named the attacker, and the "from …" of the summary.
 *
 * @module
 */

import { addressTextOf } from "../capture/decoded_packet.ts";
import type { AddressSample } from "./address_sample.ts";
import { isSpoofOnlySource } from "./addresses.ts";
import type { TopKeys } from "./top_keys.ts";

/** A flood's top source: its certain count and share of `total`, and its text ("" when it surely sent one packet at most, as a spoofed flood's each do). */
export interface FloodLeader {
  count: number;
  share: number;
  text: string;
}

/** The top source of `top` among `total` packets. */
export function floodLeader(top: TopKeys, total: number): FloodLeader {
  const slot = top.leader();
  const count = slot < 0 ? 0 : top.guaranteedAt(slot);
  return {
    count,
    share: total > 0 ? count / total : 0,
    text: count < 2 ? "" : addressTextOf(top.keyAt(slot), top.textAt(slot)),
  };
}

/** The attacker a flood names: its leader when `dominant`, unless the leader's address can only be spoofed. */
export function floodAttacker(leader: FloodLeader, dominant: boolean): string {
  return dominant && !isSpoofOnlySource(leader.text) ? leader.text : "";
}

/**
 * The "from …" of a flood's summary: its attacker, its dominant leader as
 * a spoofed source, or how many sources `distinct` estimates (never more
 * than the `total` packets; "more than" once its map is full).
 */
export function floodFromText(
  attacker: string,
  leader: FloodLeader,
  dominant: boolean,
  distinct: AddressSample,
  total: number,
): { from: string; sources: number } {
  const sources = Math.min(distinct.estimate(), total);
  const from = attacker !== ""
    ? `from ${attacker}`
    : dominant && leader.text !== ""
    ? `from ${leader.text}, a spoofed source`
    : sources === 1
    ? "from 1 source"
    : `from ${distinct.isFull() ? "more than" : "about"} ${sources} sources`;
  return { from, sources };
}
