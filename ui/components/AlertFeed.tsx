import type { JSX } from "preact";
import type { Alert } from "../../detectors/alert.ts";
import { formatClockUs } from "../format.ts";
import { alertSort, selectedAlert, sortedAlerts } from "../state.ts";

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

function AlertItem({ alert }: AlertItemProps): JSX.Element {
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
        <span class="alert-title">{alert.title}</span>
        {alert.acknowledged && (
          <span class="state-badge state-acked" title={ackTitle(alert)}>
            ack
          </span>
        )}
        <span class={`state-badge state-${alert.state}`}>{alert.state}</span>
      </div>
      <div class="alert-hosts mono">
        {alert.attacker || "many"} → {alert.victim || "many"}
      </div>
      <div class="alert-summary">{alert.summary}</div>
      <div class="alert-meta muted">
        <span>{alert.mitre.id}</span>
        <span>{formatClockUs(alert.firstSeenUs)}</span>
      </div>
    </button>
  );
}

/** Who-knows-when of an acknowledgement, for a tooltip. */
export function ackTitle(alert: Alert): string {
  const ack = alert.acknowledged;
  if (!ack) return "";
  const at = new Date(ack.atMs).toLocaleString();
  return ack.note === ""
    ? `Acknowledged ${at}`
    : `Acknowledged ${at}: ${ack.note}`;
}
