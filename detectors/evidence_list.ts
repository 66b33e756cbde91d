/**
 * The bounded lists detectors keep for their findings' evidence (leases,
 * DNS servers, prefixes named), and the comma-separated lists the decoder
 * writes into a packet record's fields.
 *
 * @module
 */

/** The items of a comma-separated list as the decoder writes it ("" holds none). */
export function listOf(text: string): string[] {
  return text === "" ? [] : text.split(",");
}

/** Adds each of `items` not yet in `listed`, while `listed` holds fewer than `max`. */
export function addUnique(
  listed: string[],
  items: readonly string[],
  max: number,
): void {
  for (const item of items) {
    if (listed.length < max && !listed.includes(item)) listed.push(item);
  }
}
