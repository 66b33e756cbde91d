/**
 * When an ongoing incident reports again. A detector reports an incident
 * when it first crosses its threshold, then repeats the finding while the
 * incident goes on: at once when its count has doubled since the last
 * finding, else at most every report interval. The alert lifecycle merges
 * the repeats into one alert, so this only bounds how often findings are
 * made.
 *
 * When the input ends (a replay's end, a stopped capture), each incident
 * whose figures changed since its last finding makes one more
 * ({@linkcode isFinalReportDue}, from the detectors' `flush`).
 *
 * Each detector keeps a {@linkcode ReportMark} in its per-incident state.
 *
 * @module
 */

/** The last finding of one incident. */
export interface ReportMark {
  /** The incident's count (targets, probes, requests…) at the last finding; 0 while none was made. */
  reportedCount: number;
  /** Packet time of the last finding, µs (-Infinity while none was made). */
  lastReportUs: number;
}

/**
 * Whether a growing incident (a scan, a sweep) reports now at `count`: the
 * first finding, a count that doubled, or a count that grew once
 * `intervalUs` has passed since the last finding.
 */
export function isGrowthReportDue(
  mark: ReportMark,
  count: number,
  nowUs: number,
  intervalUs: number,
): boolean {
  const reported = mark.reportedCount;
  if (reported <= 0 || count >= 2 * reported) return true;
  return count > reported && nowUs - mark.lastReportUs >= intervalUs;
}

/**
 * Whether a sustained incident (a flood) reports now at `count`: the first
 * finding, a count that doubled, or `intervalUs` passed since the last
 * finding, whatever the count.
 */
export function isRepeatReportDue(
  mark: ReportMark,
  count: number,
  nowUs: number,
  intervalUs: number,
): boolean {
  const reported = mark.reportedCount;
  return reported <= 0 || count >= 2 * reported ||
    nowUs - mark.lastReportUs >= intervalUs;
}

/**
 * Whether an incident that has made a finding is due one last finding when
 * the input ends: its count differs from the last finding's, or it saw a
 * packet after it (at `lastActivityUs`), so the alert ends with the
 * capture's totals rather than the figures of its last repeat.
 */
export function isFinalReportDue(
  mark: ReportMark,
  count: number,
  lastActivityUs: number,
): boolean {
  return mark.reportedCount > 0 &&
    (count !== mark.reportedCount || lastActivityUs > mark.lastReportUs);
}

/** Records a finding made at `count` and packet time `nowUs`. */
export function markReported(
  mark: ReportMark,
  count: number,
  nowUs: number,
): void {
  mark.reportedCount = count;
  mark.lastReportUs = nowUs;
}

/** Forgets the findings of an incident that is over, so the next one reports afresh. */
export function clearReportMark(mark: ReportMark): void {
  mark.reportedCount = 0;
  mark.lastReportUs = -Infinity;
}
