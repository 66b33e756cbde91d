import type { JSX } from "preact";
import { withToken } from "../api.ts";
import { formatCount } from "../format.ts";
import { PROTOCOL_CHIPS } from "../packet_filter.ts";
import {
  describeSensorMatches,
  downloadMatchesPcap,
  matchesPcapAsking,
  matchesPcapPath,
  searchSensor,
  sensorSearchError,
  sensorSearching,
  sensorView,
  showPageSample,
} from "../sensor_search.ts";
import {
  autoScroll,
  frozenRows,
  lostRows,
  pendingRows,
  protocolChip,
  rows,
  searchText,
  session,
  skippedRows,
  tableRows,
  togglePause,
} from "../state.ts";

/**
 * Filter chips, search box (Enter or "Search sensor" asks the server),
 * pause and auto-scroll for the packet table, and what it shows: the page's
 * sample of rows or the sensor's matches.
 */
export function PacketToolbar(): JSX.Element {
  const chip = protocolChip.value;
  const paused = frozenRows.value !== null;
  const pending = pendingRows.value;
  const sensor = sensorView.value;
  const error = sensorSearchError.value;
  const current = session.value;
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
      <form
        class="search-form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          void searchSensor();
        }}
      >
        <input
          type="search"
          class="search"
          data-testid="search-input"
          placeholder="IP, IP:port, SYN, text…"
          title="Words that all match: an address (whole), addr:port, a TCP flag (SYN, ACK, FIN, RST, SYN/ACK, [S]) or any text. Enter searches the sensor."
          aria-label="Search packets"
          maxLength={256}
          value={searchText.value}
          onInput={(event) => searchText.value = event.currentTarget.value}
        />
        {sensor === null
          ? (
            <button
              type="submit"
              key="search-sensor"
              class="btn"
              data-testid="sensor-search-button"
              disabled={sensorSearching.value}
              title="Search the packets the sensor holds (its latest 10,000), not only this page's sample"
            >
              {sensorSearching.value ? "Searching…" : "Search sensor"}
            </button>
          )
          : (
            <button
              type="button"
              key="page-rows"
              class="btn"
              data-testid="page-rows-button"
              onClick={(event) => {
                // The submit button takes this one's place at once: no
                // submit may follow from this click.
                event.preventDefault();
                showPageSample();
              }}
            >
              Page rows
            </button>
          )}
        {sensor !== null && current !== null && (
          <a
            class="btn"
            data-testid="matches-pcap-link"
            href={withToken(
              matchesPcapPath(current.id, sensor.text, sensor.chip),
            )}
            download={`netmirror-${current.id}-matches.pcap`}
            aria-disabled={matchesPcapAsking.value}
            title="Every packet of this session that matches, read from the session PCAP on disk (not only the latest 10,000), as one PCAP file"
            onClick={(event) => {
              // Asked first: a refusal shows here, not as a failed download.
              event.preventDefault();
              void downloadMatchesPcap(current.id, sensor);
            }}
          >
            {matchesPcapAsking.value ? "Asking…" : "Matches as PCAP"}
          </a>
        )}
      </form>
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
      {sensor === null
        ? (
          <span
            class="row-count muted"
            data-testid="row-count"
            data-source="page"
            title="Rows this page was sent (a sample while traffic is fast); Search sensor asks the sensor for more"
          >
            {formatCount(tableRows.value.length)} /{" "}
            {formatCount(rows.value.length)} rows on this page
            {skippedRows.value > 0 &&
              ` · ${formatCount(skippedRows.value)} sampled out`}
            {lostRows.value > 0 && ` · ${formatCount(lostRows.value)} lost`}
          </span>
        )
        : (
          <span
            class="row-count sensor-count"
            data-testid="row-count"
            data-source="sensor"
          >
            {describeSensorMatches(sensor)}
          </span>
        )}
      {error !== "" && (
        <span class="inline-error" data-testid="sensor-search-error">
          {error}
        </span>
      )}
    </div>
  );
}
