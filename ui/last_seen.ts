/**
 * How long ago an alert's last activity was, in words ("last seen 3 s
 * ago"), so an alert marked UPDATED says whether it is still going on.
 *
 * @module
 */

/** A span of time in one rounded unit: "3 s", "4 min", "2 h", "5 d". */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/**
 * "last seen 3 s ago" for a live session (against the wall clock, `nowUs`),
 * or, for a replayed capture, "last seen 3 s before the capture's end"
 * (against its last packet, `captureEndUs`: a capture's times are in the
 * past).
 */
export function lastSeenText(
  lastSeenUs: number,
  reference: { nowUs: number } | { captureEndUs: number },
): string {
  if ("captureEndUs" in reference) {
    const age = formatAge((reference.captureEndUs - lastSeenUs) / 1e6);
    return `last seen ${age} before the capture's end`;
  }
  return `last seen ${formatAge((reference.nowUs - lastSeenUs) / 1e6)} ago`;
}
