/**
 * Counts as text, for summaries and alert lines.
 *
 * @module
 */

/** `count` and `noun`, plural unless `count` is 1, as a summary says it: "1 host", "3 hosts". */
export function countText(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
