import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { setToken } from "../api.ts";
import { connect, connection } from "../state.ts";

/** A bar across the top while the event stream is down (it reconnects by itself), or while the sensor asks for an API token. */
export function ConnectionBanner(): JSX.Element | null {
  const state = connection.value;
  if (state === "open") return null;
  if (state === "unauthorized") return <TokenBanner />;
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

/** The sensor refused the page's token (or it had none): say so, and take one. */
function TokenBanner(): JSX.Element {
  const [token, setTyped] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    if (token.trim() === "") return;
    setToken(token);
    connect();
  };
  return (
    <form
      class="banner"
      role="alert"
      data-testid="token-banner"
      onSubmit={submit}
    >
      <span class="dot offline" />
      This sensor needs its API token (the address it printed at start ends with
      ?token=…), and the page has none or a wrong one.
      <input
        type="password"
        class="token-input"
        aria-label="API token"
        placeholder="API token"
        autocomplete="off"
        data-testid="token-input"
        value={token}
        onInput={(event) => setTyped(event.currentTarget.value)}
      />
      <button type="submit" class="btn small" data-testid="token-submit">
        Connect
      </button>
    </form>
  );
}
