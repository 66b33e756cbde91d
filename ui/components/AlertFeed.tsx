import type { JSX } from "preact";
import type { Alert } from "../../detectors/alert.ts";
import { formatClockUs, formatDateTimeUs } from "../format.ts";
import { formatUtcOffset } from "../time_zone.ts";
import { lastSeenText } from "../last_seen.ts";
import {
  alertSort,
  now,
  selectedAlert,
  session,
  sortedAlerts,
  stats,
} from "../state.ts";

/** Alerts shown at most in the feed (the rest stay counted). */
const FEED_LIMIT = 200;

/** The alert feed: by severity (or time), newest first, with lifecycle state. */
export function AlertFeed(): JSX.Element {
  const list = sortedAlerts.value;
  const sort = alertSort.value;
  return (
    <section class="panel alert-panel" data-testid="alert-feed">
      <div class="panel-title">
        <h2>Alerts</h2>
        <div class="segmented" role="group" aria-label="Sort alerts">
          {(["severity", "time"] as const).map((option) => (
            <button
              type="button"
              key={option}
              class={option === sort ? "active" : ""}
              aria-pressed={option === sort}
              onClick={() => alertSort.value = option}
            >
              {option === "severity" ? "Severity" : "Newest"}
            </button>
          ))}
        </div>
      </div>
      <div class="alert-list">
        {list.length === 0 && (
          <div class="muted empty" data-testid="alert-empty">
            No alerts. Detectors are watching.
          </div>
        )}
        {list.slice(0, FEED_LIMIT).map((alert) => (
          <AlertItem key={alert.id} alert={alert} />
        ))}
      </div>
    </section>
  );
}

interface AlertItemProps {
  alert: Alert;
}

/** What each lifecycle state means, for its badge's tooltip. */
const STATE_TITLES: Readonly<Record<Alert["state"], string>> = {
  engaged: "Engaged: raised, no later findings yet",
  updated:
    "Updated: later findings were merged into it (see last seen for how recent)",
  released: "Released: quiet for its window; over unless it recurs",
};

function AlertItem({ alert }: AlertItemProps): JSX.Element {
  // No single source (spoofed, or many): as the command line says it.
  const hosts = `${alert.attacker || "unattributed"} → ${
    alert.victim || "many"
  }`;
  return (
    <button
      type="button"
      class={`alert-item sev-${alert.severity} state-${alert.state}${
        alert.acknowledged ? " acked" : ""
      }`}
      data-testid="alert-item"
      data-alert-id={alert.id}
      data-severity={alert.severity}
      data-acknowledged={alert.acknowledged !== undefined}
      onClick={() => selectedAlert.value = alert.id}
    >
      <div class="alert-line">
        <span class={`sev-badge sev-${alert.severity}`}>{alert.severity}</span>
        <span class="alert-title" title={alert.title}>{alert.title}</span>
        {alert.acknowledged && (
          <span class="state-badge state-acked" title={ackTitle(alert)}>
            ack
          </span>
        )}
        <span
          class={`state-badge state-${alert.state}`}
          title={STATE_TITLES[alert.state]}
        >
          {alert.state}
        </span>
      </div>
      <div class="alert-hosts mono" title={hosts}>{hosts}</div>
      <div class="alert-summary">{alert.summary}</div>
      <div class="alert-meta muted">
        <span>{alert.mitre.id}</span>
        <LastSeen lastSeenUs={alert.lastSeenUs} />
        <span title="First seen">{formatClockUs(alert.firstSeenUs)}</span>
      </div>
    </button>
  );
}

/** "last seen 3 s ago", refreshed each second (its own component: only it re-renders). */
function LastSeen({ lastSeenUs }: { lastSeenUs: number }): JSX.Element {
  const current = session.value;
  const captureEndUs = stats.value?.lastPacketUs ?? null;
  const text = current?.mode === "replay" && captureEndUs !== null
    ? lastSeenText(lastSeenUs, { captureEndUs })
    : lastSeenText(lastSeenUs, { nowUs: now.value * 1000 });
  return (
    <span data-testid="alert-last-seen" title={formatDateTimeUs(lastSeenUs)}>
      {text}
    </span>
  );
}

/** Who-knows-when of an acknowledgement, for a tooltip. */
export function ackTitle(alert: Alert): string {
  const ack = alert.acknowledged;
  if (!ack) return "";
  // 24-hour, as every time on the page, and in the zone the page says.
  const at = `${formatDateTimeUs(ack.atMs * 1000).slice(0, 19)} ${
    formatUtcOffset(ack.atMs)
  }`;
  return ack.note === ""
    ? `Acknowledged ${at}`
    : `Acknowledged ${at}: ${ack.note}`;
}
