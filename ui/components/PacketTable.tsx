import type { JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { PacketRow } from "../../server/packet_row.ts";
import { formatClockUs, formatEndpoint, formatMs } from "../format.ts";
import { serviceColor } from "../palette.ts";
import { autoScroll, frozenRows, selectedPacket, tableRows } from "../state.ts";

/** Height of one table row, px (fixed, so the table can be virtualised). */
export const ROW_HEIGHT_PX = 22;
/** Rows rendered above and below the visible ones. */
const OVERSCAN_ROWS = 12;
/** Frame length at which the size bar is full (Ethernet MTU frame). */
const FULL_FRAME_BYTES = 1514;

/** A packet row; `latencyMs` is shown when the server provides it. */
type TableRow = PacketRow & { latencyMs?: number };

/** The packet table: only the visible rows are in the DOM, so 10k rows scroll smoothly. */
export function PacketTable(): JSX.Element {
  const list = tableRows.value;
  const follow = autoScroll.value && frozenRows.value === null;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  useLayoutEffect(() => {
    const element = viewport.current!;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = viewport.current!;
    if (follow) {
      element.scrollTop = element.scrollHeight;
      setScrollTop(element.scrollTop);
    }
  }, [list, follow]);

  const onScroll = (event: JSX.TargetedUIEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    setScrollTop(element.scrollTop);
    const atBottom = element.scrollTop + element.clientHeight >=
      element.scrollHeight - ROW_HEIGHT_PX * 2;
    // Scrolling up stops following; scrolling back down resumes it.
    if (!atBottom && autoScroll.value) autoScroll.value = false;
    else if (atBottom && !autoScroll.value && frozenRows.value === null) {
      autoScroll.value = true;
    }
  };

  const onClick = (event: JSX.TargetedMouseEvent<HTMLDivElement>) => {
    const row = (event.target as Element).closest<HTMLElement>("[data-n]");
    if (row) selectedPacket.value = Number(row.dataset.n);
  };

  const first = Math.max(
    0,
    Math.floor(scrollTop / ROW_HEIGHT_PX) - OVERSCAN_ROWS,
  );
  const last = Math.min(
    list.length,
    Math.ceil((scrollTop + height) / ROW_HEIGHT_PX) + OVERSCAN_ROWS,
  );
  const visible = list.slice(first, last) as TableRow[];
  // The latency column appears once the server reports per-packet latency.
  const withLatency = visible.some((row) => row.latencyMs !== undefined);

  return (
    <div
      class={withLatency ? "packet-table with-latency" : "packet-table"}
      data-testid="packet-table"
      role="table"
    >
      <div class="tr thead" role="row">
        <span role="columnheader">No.</span>
        <span role="columnheader">Time</span>
        <span role="columnheader">Source</span>
        <span role="columnheader">Destination</span>
        <span role="columnheader">Protocol</span>
        <span role="columnheader">Length</span>
        <span role="columnheader">Flags</span>
        {withLatency && <span role="columnheader">Latency</span>}
        <span role="columnheader">Info</span>
      </div>
      <div
        class="tbody"
        ref={viewport}
        onScroll={onScroll}
        onClick={onClick}
        role="rowgroup"
      >
        {list.length === 0 && (
          <div class="empty muted" data-testid="packet-empty">
            No packets match
          </div>
        )}
        <div
          class="tbody-spacer"
          style={{ height: `${list.length * ROW_HEIGHT_PX}px` }}
        >
          <div
            class="tbody-window"
            style={{ transform: `translateY(${first * ROW_HEIGHT_PX}px)` }}
          >
            {visible.map((row) => (
              <PacketTableRow key={row.n} row={row} latency={withLatency} />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

interface PacketTableRowProps {
  row: TableRow;
  /** Whether the latency column is shown. */
  latency: boolean;
}

function PacketTableRow({ row, latency }: PacketTableRowProps): JSX.Element {
  const color = serviceColor(row.protocol);
  const size = Math.min(100, (row.length / FULL_FRAME_BYTES) * 100);
  return (
    <div
      class="tr"
      role="row"
      data-testid="packet-row"
      data-n={row.n}
      data-protocol={row.protocol}
      tabIndex={0}
      onKeyDown={(event) => {
        if (event.key === "Enter") selectedPacket.value = row.n;
      }}
    >
      <span class="num">{row.n}</span>
      <span class="mono muted">{formatClockUs(row.timestampUs)}</span>
      <span class="mono ellipsis" title={formatEndpoint(row.src, row.srcPort)}>
        {row.src}
      </span>
      <span class="mono ellipsis" title={formatEndpoint(row.dst, row.dstPort)}>
        {row.dst}
      </span>
      <span>
        <span
          class="badge"
          data-testid="protocol-badge"
          style={{ borderColor: color, color }}
        >
          {row.protocol}
        </span>
      </span>
      <span class="size" title={`${row.length} bytes`}>
        <span class="size-bar" style={{ width: `${size}%` }} />
        <span class="size-text">{row.length}</span>
      </span>
      <span class="mono flags">{row.flags}</span>
      {latency && (
        <span class="mono muted">
          {row.latencyMs === undefined ? "" : formatMs(row.latencyMs)}
        </span>
      )}
      <span class="ellipsis" title={row.info}>{row.info}</span>
    </div>
  );
}
