import type { JSX } from "preact";
import { formatBytes, formatCount } from "../format.ts";
import { serviceColor } from "../palette.ts";
import { sessionEnded, stats } from "../state.ts";

/**
 * The busiest host pairs: over the last 30 s of packet time while a
 * session runs, over the whole session once it has ended (its last 30 s
 * may be an idle tail that says nothing of the capture).
 */
export function TopConversations(): JSX.Element {
  const conversations = stats.value?.conversations;
  const whole = sessionEnded.value;
  const list = (whole ? conversations?.session : conversations?.window) ?? [];
  const seconds = Math.round((conversations?.windowUs ?? 30_000_000) / 1e6);
  const maxBytes = list[0]?.bytes ?? 1;
  return (
    <section class="panel" data-testid="conversations-panel">
      <div class="panel-title">
        <h2>Top conversations</h2>
        <span class="muted" data-testid="conversations-span">
          {whole ? "whole session" : `last ${seconds} s`}
        </span>
      </div>
      {list.length === 0 && <div class="muted empty">No conversations yet</div>}
      <ol class="conversations">
        {list.slice(0, 8).map((conversation) => (
          <li
            key={`${conversation.hostA} ${conversation.hostB}`}
            data-testid="conversation"
          >
            <div
              class="conversation-hosts"
              title={`${conversation.hostA} ↔ ${conversation.hostB}`}
            >
              <span class="mono">{conversation.hostA}</span>
              <span class="muted">↔</span>
              <span class="mono">{conversation.hostB}</span>
            </div>
            <div class="conversation-meta">
              <span
                class="badge"
                style={{ borderColor: serviceColor(conversation.mainProtocol) }}
              >
                {conversation.mainProtocol}
              </span>
              <span>{formatBytes(conversation.bytes)}</span>
              <span class="muted">
                {formatCount(conversation.packets)} pkts
              </span>
            </div>
            <div class="bar-track thin">
              <div
                class="bar-fill accent"
                style={{ width: `${(conversation.bytes / maxBytes) * 100}%` }}
              />
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
