/**
 * The source MAC most of a flood's frames came through, by the
 * Boyer–Moore majority vote: a spoofed flood sent from one host on the
 * capture's segment shows one MAC behind its thousands of addresses (a
 * flood routed in shows its router's). Four numbers, no allocation, one
 * comparison a frame.
 *
 * @module
 */

import { formatMacWords } from "../capture/decode/address.ts";

/** The candidate MAC of a flood's frames and how many of them it surely sent. */
export class MajorityMac {
  #high = -1;
  #low = -1;
  #votes = 0;
  /** Frames from the candidate since it became the candidate: a lower bound of its count. */
  #frames = 0;

  /** Counts a frame from the MAC whose words are `high` and `low` (see `macHighWord`); one without a MAC (-1) is not counted. */
  add(high: number, low: number): void {
    if (high < 0) return;
    if (high === this.#high && low === this.#low) {
      this.#votes++;
      this.#frames++;
    } else if (this.#votes === 0) {
      this.#high = high;
      this.#low = low;
      this.#votes = 1;
      this.#frames = 1;
    } else {
      this.#votes--;
    }
  }

  /** The candidate's share of `total` frames, at least (0 when none). */
  share(total: number): number {
    return total > 0 ? Math.min(this.#frames / total, 1) : 0;
  }

  /** The candidate MAC as "aa:bb:cc:dd:ee:ff", or "" when no frame had one. */
  text(): string {
    return this.#high < 0 ? "" : formatMacWords(this.#high, this.#low);
  }

  /** The evidence a flood's finding gives of its frames' MAC among `total`. */
  evidence(total: number): { sourceMac: string; sourceMacShare: number } {
    return {
      sourceMac: this.text(),
      sourceMacShare: Math.round(this.share(total) * 1000) / 1000,
    };
  }

  /** Forgets every frame. */
  clear(): void {
    this.#high = -1;
    this.#low = -1;
    this.#votes = 0;
    this.#frames = 0;
  }
}

/** Share of a flood's frames from one MAC at which its summary names the MAC. */
export const MAC_DOMINANT_SHARE = 0.8;

/** What a flood's summary says of its frames' MAC when its addresses name no attacker: " (97 % through MAC aa:…)" when `share` is at least `dominant`, else "". */
export function throughMacText(
  mac: string,
  share: number,
  dominant: number,
): string {
  return mac !== "" && share >= dominant
    ? ` (${Math.floor(share * 100)} % through MAC ${mac})`
    : "";
}
