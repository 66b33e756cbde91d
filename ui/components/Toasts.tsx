import type { JSX } from "preact";
import { dismissToast, selectedAlert, toastAlert, toasts } from "../state.ts";

/** Toasts for newly engaged alerts and for rises to high or critical, showing each alert as it is now; a click opens it. */
export function Toasts(): JSX.Element {
  return (
    <div class="toasts" aria-live="polite">
      {toasts.value.map((toast) => {
        const alert = toastAlert(toast);
        return (
          <button
            type="button"
            key={toast.key}
            class={`toast sev-${alert.severity}`}
            data-testid="toast"
            data-alert-id={alert.id}
            data-severity={alert.severity}
            data-escalated-from={toast.escalatedFrom}
            onClick={() => {
              dismissToast(toast.key);
              selectedAlert.value = alert.id;
            }}
          >
            <div class="toast-title">
              <span class={`sev-badge sev-${alert.severity}`}>
                {alert.severity}
              </span>
              {alert.title}
              {toast.escalatedFrom !== undefined && (
                <span class="toast-escalation">
                  rose from {toast.escalatedFrom}
                </span>
              )}
            </div>
            <div class="toast-body">{alert.summary}</div>
          </button>
        );
      })}
    </div>
  );
}
