import type { JSX } from "preact";
import { formatBytes, formatCount } from "../format.ts";
import { sessionEnded, stats } from "../state.ts";

/**
 * The hosts that sent and received the most bytes, each with its share
 * sent (an uploader's bar is mostly sent): over the last 30 s of packet
 * time while a session runs, over the whole session once it has ended.
 */
export function TopTalkers(): JSX.Element {
  const talkers = stats.value?.talkers;
  const whole = sessionEnded.value;
  const list = (whole ? talkers?.session : talkers?.window) ?? [];
  const seconds = Math.round((talkers?.windowUs ?? 30_000_000) / 1e6);
  const maxBytes = list[0]?.bytes ?? 1;
  return (
    <section class="panel" data-testid="talkers-panel">
      <div class="panel-title">
        <h2>Top talkers</h2>
        <span class="muted" data-testid="talkers-span">
          {whole ? "whole session" : `last ${seconds} s`}
        </span>
      </div>
      {list.length === 0 && <div class="muted empty">No talkers yet</div>}
      <ol class="conversations">
        {list.slice(0, 8).map((host) => (
          <li key={host.address} data-testid="talker">
            <div class="conversation-hosts" title={host.address}>
              <span class="mono">{host.address}</span>
            </div>
            <div class="conversation-meta">
              <span title="sent">↑ {formatBytes(host.sentBytes)}</span>
              <span title="received">↓ {formatBytes(host.receivedBytes)}</span>
              <span class="muted">{formatCount(host.packets)} pkts</span>
            </div>
            <div
              class="bar-track thin split"
              title={`${formatBytes(host.bytes)}: sent (bright) and received`}
            >
              <div
                class="bar-fill accent"
                style={{ width: `${(host.sentBytes / maxBytes) * 100}%` }}
              />
              <div
                class="bar-fill received"
                style={{ width: `${(host.receivedBytes / maxBytes) * 100}%` }}
              />
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
