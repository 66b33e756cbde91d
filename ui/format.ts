/**
 * Number, size, rate and time formatting for the dashboard (compact, fixed
 * width where it matters, no locale surprises).
 *
 * @module
 */

const SI = ["", "k", "M", "G", "T"];

/** A count in compact SI form: 950, 1.2k, 34k, 5.6M. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return "–";
  let scaled = Math.abs(value);
  let unit = 0;
  while (scaled >= 1000 && unit < SI.length - 1) {
    scaled /= 1000;
    unit++;
  }
  const sign = value < 0 ? "-" : "";
  if (unit === 0) return `${sign}${Math.round(scaled)}`;
  return `${sign}${scaled < 10 ? scaled.toFixed(1) : Math.round(scaled)}${
    SI[unit]
  }`;
}

/** A rate per second: one decimal below 10 (0.2, 9.5: a quiet link is not 0), else as {@linkcode formatCount}. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "–";
  if (perSecond === 0 || Math.abs(perSecond) >= 9.95) {
    return formatCount(perSecond);
  }
  return perSecond.toFixed(1);
}

/** Bytes in binary units: 512 B, 1.5 KiB, 20 MiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let scaled = bytes;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return unit === 0
    ? `${Math.round(scaled)} B`
    : `${scaled < 10 ? scaled.toFixed(1) : Math.round(scaled)} ${units[unit]}`;
}

/** Bits per second: 800 b/s, 1.2 Mb/s. */
export function formatBitRate(bitsPerSecond: number): string {
  return `${formatCount(bitsPerSecond)}b/s`;
}

/** Milliseconds with sensible precision: 0.42 ms, 12.3 ms, 1.25 s; "–" for null. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A duration in seconds as 4s, 3m 05s, 2h 07m, 1d 03h. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) {
    return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  }
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor(s / 3600) % 24)}h`;
}

/** Packet time (µs since the epoch) as local HH:MM:SS.mmm. */
export function formatClockUs(timestampUs: number): string {
  const date = new Date(Math.floor(timestampUs / 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${
    pad(date.getSeconds())
  }.${pad(date.getMilliseconds(), 3)}`;
}

/** Packet time (µs since the epoch) as local YYYY-MM-DD HH:MM:SS.mmm. */
export function formatDateTimeUs(timestampUs: number): string {
  const date = new Date(Math.floor(timestampUs / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${
    pad(date.getDate())
  } ${formatClockUs(timestampUs)}`;
}

/** An address with its port (IPv6 in brackets); the address alone when the port is -1. */
export function formatEndpoint(address: string, port: number): string {
  if (port < 0) return address;
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** `text` cut in the middle to at most `maxChars` characters ("a.b…end.example.com"), keeping more of its end: a long host name's domain stays in view. */
export function middleCut(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const tail = Math.ceil((maxChars - 1) * 0.6);
  const head = maxChars - 1 - tail;
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
}
