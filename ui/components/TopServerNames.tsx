import type { JSX } from "preact";
import { formatCount, middleCut } from "../format.ts";
import { stats } from "../state.ts";
import { clientsText } from "../../detectors/stats/server_names.ts";

/** Characters of a server name shown at most: a longer one is cut in the middle, its domain kept (the whole name in its tooltip). */
const MAX_NAME_CHARS = 48;

/**
 * The server names clients asked for most over the session: the name a TLS
 * ClientHello sends (SNI) and the Host of an HTTP request, with how many
 * clients asked; which sites the network talks to, where top talkers name
 * only addresses.
 */
export function TopServerNames(): JSX.Element {
  const names = stats.value?.serverNames ?? [];
  const most = names[0] ? names[0].tlsHellos + names[0].httpRequests : 1;
  return (
    <section class="panel" data-testid="server-names-panel">
      <div class="panel-title">
        <h2>Top server names</h2>
        <span
          class="muted"
          title="TLS ClientHellos' server name (SNI) and HTTP requests' Host"
        >
          whole session
        </span>
      </div>
      {names.length === 0 && (
        <div class="muted empty">No TLS server names or HTTP hosts yet</div>
      )}
      <ol class="conversations">
        {names.slice(0, 8).map((entry) => {
          const asked = entry.tlsHellos + entry.httpRequests;
          return (
            <li key={entry.name} data-testid="server-name">
              <div class="conversation-hosts" title={entry.name}>
                <span class="mono">
                  {middleCut(entry.name, MAX_NAME_CHARS)}
                </span>
              </div>
              <div class="conversation-meta">
                {entry.tlsHellos > 0 && (
                  <span class="muted">{formatCount(entry.tlsHellos)} TLS</span>
                )}
                {entry.httpRequests > 0 && (
                  <span class="muted">
                    {formatCount(entry.httpRequests)} HTTP
                  </span>
                )}
                <span>{clientsText(entry)}</span>
              </div>
              <div class="bar-track thin">
                <div
                  class="bar-fill accent"
                  style={{ width: `${(asked / most) * 100}%` }}
                />
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
