import { Fragment, type JSX } from "preact";
import { useCallback, useRef, useState } from "preact/hooks";
import type { Alert } from "../../detectors/alert.ts";
import { MAX_ACK_NOTE_LENGTH } from "../../server/alert_acks.ts";
import { formatEvidence } from "../evidence.ts";
import { formatDateTimeUs } from "../format.ts";
import {
  acknowledgeAlert,
  alertPcapUrl,
  alerts,
  busy,
  downloadAlertPcap,
  reopenAlert,
  selectedAlert,
} from "../state.ts";
import { formatUtcOffset } from "../time_zone.ts";
import { ackTitle } from "./AlertFeed.tsx";
import { Modal } from "./Modal.tsx";

/** An alert PCAP slice's download: under way, or why it failed ("": it did not). */
interface SliceState {
  loading: boolean;
  error: string;
}

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
  // Keyed: a note typed for one alert is not offered for the next.
  return <AlertDetail key={alert.id} alert={alert} onClose={close} />;
}

interface AlertDetailProps {
  alert: Alert;
  onClose: () => void;
}

function AlertDetail({ alert, onClose }: AlertDetailProps): JSX.Element {
  const [note, setNote] = useState("");
  const [slice, setSlice] = useState<SliceState>({ loading: false, error: "" });
  const ackButton = useRef<HTMLButtonElement>(null);
  const seconds = (alert.lastSeenUs - alert.firstSeenUs) / 1e6;
  const toggleAck = async () => {
    // Not `disabled` while busy: a disabled button drops the keyboard
    // focus to the page's body.
    if (busy.value) return;
    if (alert.acknowledged) await reopenAlert(alert.id);
    else await acknowledgeAlert(alert.id, note.trim());
    // The button stays (its label turns); keep the focus on it.
    if (ackButton.current?.isConnected) ackButton.current.focus();
  };
  const downloadSlice = async (event: Event) => {
    event.preventDefault();
    if (slice.loading) return;
    setSlice({ loading: true, error: "" });
    try {
      await downloadAlertPcap(alert.id);
      setSlice({ loading: false, error: "" });
    } catch (error) {
      setSlice({
        loading: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const zone = formatUtcOffset(alert.firstSeenUs / 1000);
  return (
    <Modal
      title={alert.title}
      testId="alert-modal"
      onClose={onClose}
      actions={
        <>
          <button
            type="button"
            class="btn"
            ref={ackButton}
            data-testid={alert.acknowledged ? "alert-reopen" : "alert-ack"}
            aria-disabled={busy.value}
            onClick={() => void toggleAck()}
          >
            {alert.acknowledged ? "Reopen" : "Acknowledge"}
          </button>
          <a
            class="btn primary"
            href={alertPcapUrl(alert.id)}
            download={`netmirror-${alert.id}.pcap`}
            data-testid="alert-pcap"
            aria-busy={slice.loading}
            onClick={(event) => void downloadSlice(event)}
          >
            {slice.loading ? "Downloading…" : "Download PCAP slice"}
          </a>
        </>
      }
    >
      {slice.error !== "" && (
        <p class="inline-error" role="alert" data-testid="alert-pcap-error">
          PCAP slice not downloaded: {slice.error}
        </p>
      )}
      <div class="alert-detail-head">
        <span class={`sev-badge sev-${alert.severity}`}>{alert.severity}</span>
        <span class={`state-badge state-${alert.state}`}>{alert.state}</span>
        <span class="mono muted">{alert.id}</span>
      </div>
      {alert.acknowledged
        ? (
          <p class="muted small" data-testid="alert-ack-note">
            {ackTitle(alert)}
          </p>
        )
        : (
          <label class="ack-note-field">
            <span class="muted small">
              Acknowledgement note (optional, kept in the report)
            </span>
            <textarea
              class="ack-note-input"
              data-testid="alert-ack-input"
              rows={2}
              maxLength={MAX_ACK_NOTE_LENGTH}
              placeholder="e.g. authorised scan, ticket #123"
              value={note}
              onInput={(event) => setNote(event.currentTarget.value)}
            />
          </label>
        )}
      <p class="alert-detail-summary">{alert.summary}</p>
      <dl class="kv">
        <dt>Attacker</dt>
        <dd class="mono">
          {alert.attacker || "unattributed (spoofed, or many sources)"}
        </dd>
        <dt>Victim</dt>
        <dd class="mono">{alert.victim || "many"}</dd>
        {alert.domain && (
          <>
            <dt>Domain</dt>
            <dd class="mono">{alert.domain}</dd>
          </>
        )}
        <dt>First seen</dt>
        <dd>
          {formatDateTimeUs(alert.firstSeenUs)}{" "}
          <span class="muted" data-testid="alert-time-zone">{zone}</span>
        </dd>
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
