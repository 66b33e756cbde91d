import type { JSX } from "preact";
import { formatCount } from "../format.ts";
import { PROTOCOL_CHIPS } from "../packet_filter.ts";
import {
  autoScroll,
  frozenRows,
  lostRows,
  pendingRows,
  protocolChip,
  rows,
  searchText,
  skippedRows,
  tableRows,
  togglePause,
} from "../state.ts";

/** Filter chips, search box, pause and auto-scroll for the packet table. */
export function PacketToolbar(): JSX.Element {
  const chip = protocolChip.value;
  const paused = frozenRows.value !== null;
  const pending = pendingRows.value;
  return (
    <div class="toolbar" data-testid="packet-toolbar">
      <div class="chips" role="group" aria-label="Protocol filter">
        {PROTOCOL_CHIPS.map((name) => (
          <button
            type="button"
            key={name}
            class={name === chip ? "chip active" : "chip"}
            data-testid={`chip-${name}`}
            aria-pressed={name === chip}
            onClick={() => protocolChip.value = name}
          >
            {name}
          </button>
        ))}
      </div>
      <input
        type="search"
        class="search"
        data-testid="search-input"
        placeholder="Search IP, port, info…"
        aria-label="Search packets"
        value={searchText.value}
        onInput={(event) => searchText.value = event.currentTarget.value}
      />
      <button
        type="button"
        class={paused ? "btn warn" : "btn"}
        data-testid="pause-button"
        aria-pressed={paused}
        onClick={togglePause}
      >
        {paused
          ? `Resume${pending > 0 ? ` (+${formatCount(pending)})` : ""}`
          : "Pause"}
      </button>
      <label class="toggle" title="Follow new packets">
        <input
          type="checkbox"
          data-testid="autoscroll-toggle"
          checked={autoScroll.value}
          onChange={(event) => autoScroll.value = event.currentTarget.checked}
        />
        Auto-scroll
      </label>
      <span class="row-count muted" data-testid="row-count">
        {formatCount(tableRows.value.length)} / {formatCount(rows.value.length)}
        {" "}
        rows
        {skippedRows.value > 0 &&
          ` · ${formatCount(skippedRows.value)} sampled out`}
        {lostRows.value > 0 && ` · ${formatCount(lostRows.value)} lost`}
      </span>
    </div>
  );
}
