import type { JSX } from "preact";
import { connect, connection } from "../state.ts";

/** A bar across the top while the event stream is down (it reconnects by itself). */
export function ConnectionBanner(): JSX.Element | null {
  const state = connection.value;
  if (state === "open") return null;
  return (
    <div class="banner" role="status" data-testid="connection-banner">
      <span class="dot offline" />
      {state === "closed"
        ? "Disconnected from the sensor. Reconnecting…"
        : "Connecting to the sensor…"}
      <button type="button" class="btn small" onClick={connect}>
        Retry now
      </button>
    </div>
  );
}
