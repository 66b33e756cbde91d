import type { JSX } from "preact";
import { dismissToast, selectedAlert, toasts } from "../state.ts";

/** Toasts for newly engaged alerts; a click opens the alert. */
export function Toasts(): JSX.Element {
  return (
    <div class="toasts" aria-live="polite">
      {toasts.value.map(({ key, alert }) => (
        <button
          type="button"
          key={key}
          class={`toast sev-${alert.severity}`}
          data-testid="toast"
          onClick={() => {
            dismissToast(key);
            selectedAlert.value = alert.id;
          }}
        >
          <div class="toast-title">
            <span class={`sev-badge sev-${alert.severity}`}>
              {alert.severity}
            </span>
            {alert.title}
          </div>
          <div class="toast-body">{alert.summary}</div>
        </button>
      ))}
    </div>
  );
}
