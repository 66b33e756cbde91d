import type { JSX } from "preact";
import {
  dismissSessionNotice,
  downloadSessionPcap,
  sessionNotice,
} from "../state.ts";

/** A bar under the header that says the session on screen replaced another (a restarted sensor), until dismissed. */
export function SessionNoticeBar(): JSX.Element | null {
  const notice = sessionNotice.value;
  if (notice === null) return null;
  return (
    <div class="banner notice" role="status" data-testid="session-notice">
      <span>{notice.text}</span>
      <button
        type="button"
        class="btn small"
        data-testid="session-notice-pcap"
        title={`The PCAP of session ${notice.previousId}, if the data directory still holds it`}
        onClick={() => void downloadSessionPcap(notice.previousId)}
      >
        Its PCAP
      </button>
      <button
        type="button"
        class="btn small"
        data-testid="session-notice-dismiss"
        onClick={dismissSessionNotice}
      >
        Dismiss
      </button>
    </div>
  );
}
