import { Fragment, type JSX } from "preact";
import { useCallback } from "preact/hooks";
import { formatEvidence } from "../evidence.ts";
import { formatDateTimeUs } from "../format.ts";
import {
  acknowledgeAlert,
  alertPcapUrl,
  alerts,
  busy,
  reopenAlert,
  selectedAlert,
} from "../state.ts";
import { ackTitle } from "./AlertFeed.tsx";
import { Modal } from "./Modal.tsx";

/** The ATT&CK page of a technique id ("T1499.001" → …/T1499/001/). */
export function mitreUrl(techniqueId: string): string {
  return `https://attack.mitre.org/techniques/${
    techniqueId.replace(".", "/")
  }/`;
}

/** The detail of the selected alert: evidence, MITRE ATT&CK, recommendation, PCAP slice. */
export function AlertModal(): JSX.Element | null {
  const id = selectedAlert.value;
  const close = useCallback(() => selectedAlert.value = null, []);
  if (id === null) return null;
  const alert = alerts.value.get(id);
  if (!alert) {
    return (
      <Modal title="Alert" testId="alert-modal" onClose={close}>
        <div class="muted">This alert is no longer held (cleared).</div>
      </Modal>
    );
  }
  const seconds = (alert.lastSeenUs - alert.firstSeenUs) / 1e6;
  return (
    <Modal
      title={alert.title}
      testId="alert-modal"
      onClose={close}
      actions={
        <>
          <button
            type="button"
            class="btn"
            data-testid={alert.acknowledged ? "alert-reopen" : "alert-ack"}
            disabled={busy.value}
            onClick={() =>
              void (alert.acknowledged ? reopenAlert : acknowledgeAlert)(
                alert.id,
              )}
          >
            {alert.acknowledged ? "Reopen" : "Acknowledge"}
          </button>
          <a
            class="btn primary"
            href={alertPcapUrl(alert.id)}
            download={`netmirror-${alert.id}.pcap`}
            data-testid="alert-pcap"
          >
            Download PCAP slice
          </a>
        </>
      }
    >
      <div class="alert-detail-head">
        <span class={`sev-badge sev-${alert.severity}`}>{alert.severity}</span>
        <span class={`state-badge state-${alert.state}`}>{alert.state}</span>
        <span class="mono muted">{alert.id}</span>
      </div>
      {alert.acknowledged && (
        <p class="muted small" data-testid="alert-ack-note">
          {ackTitle(alert)}
        </p>
      )}
      <p class="alert-detail-summary">{alert.summary}</p>
      <dl class="kv">
        <dt>Attacker</dt>
        <dd class="mono">{alert.attacker || "unknown / many"}</dd>
        <dt>Victim</dt>
        <dd class="mono">{alert.victim || "many"}</dd>
        {alert.domain && (
          <>
            <dt>Domain</dt>
            <dd class="mono">{alert.domain}</dd>
          </>
        )}
        <dt>First seen</dt>
        <dd>{formatDateTimeUs(alert.firstSeenUs)}</dd>
        <dt>Last seen</dt>
        <dd>
          {formatDateTimeUs(alert.lastSeenUs)}{" "}
          <span class="muted">
            ({seconds.toFixed(1)} s, {alert.findings} findings)
          </span>
        </dd>
      </dl>
      <section class="detail-section" data-testid="alert-mitre">
        <h3>MITRE ATT&amp;CK</h3>
        <div>
          <strong class="mono">{alert.mitre.id}</strong> {alert.mitre.name}{" "}
          <span class="muted">· Tactic: {alert.mitre.tactic}</span>
        </div>
        <a
          class="mono small"
          data-testid="alert-mitre-link"
          href={mitreUrl(alert.mitre.id)}
          target="_blank"
          rel="noopener noreferrer"
        >
          {mitreUrl(alert.mitre.id)}
        </a>
      </section>
      <section class="detail-section">
        <h3>What it is</h3>
        <p>{alert.description}</p>
      </section>
      <section class="detail-section" data-testid="alert-recommendation">
        <h3>Recommendation</h3>
        <p>{alert.recommendation}</p>
      </section>
      <section class="detail-section" data-testid="alert-evidence">
        <h3>Evidence</h3>
        <dl class="kv">
          {formatEvidence(alert.evidence).map(({ key, label, text }) => (
            <Fragment key={key}>
              <dt title={key} data-testid="evidence-key" data-key={key}>
                {label}
              </dt>
              <dd class="mono" data-testid="evidence-value">{text}</dd>
            </Fragment>
          ))}
        </dl>
      </section>
    </Modal>
  );
}
