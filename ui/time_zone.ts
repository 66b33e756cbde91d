/**
 * The time zone the dashboard's times are in: the browser's local time,
 * named by its offset from UTC (the command line and EVE write UTC).
 *
 * @module
 */

/** The UTC offset of local time at `atMs` (ms since the epoch): "UTC", "UTC+01:00", "UTC-05:30". */
export function formatUtcOffset(atMs: number): string {
  // getTimezoneOffset() is minutes *behind* UTC: -60 in UTC+01:00.
  const minutes = -new Date(atMs).getTimezoneOffset();
  if (minutes === 0) return "UTC";
  const sign = minutes > 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
