import type { JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { PacketRow } from "../../server/packet_row.ts";
import {
  formatClockUs,
  formatDateTimeUs,
  formatEndpoint,
  formatMs,
} from "../format.ts";
import { serviceColor } from "../palette.ts";
import { shownRows } from "../sensor_search.ts";
import { autoScroll, frozenRows, selectedPacket } from "../state.ts";

/** Height of one table row, px (fixed, so the table can be virtualised). */
export const ROW_HEIGHT_PX = 22;
/** Height of the header row, px: it sits in the scroller, above the rows. */
const HEAD_HEIGHT_PX = ROW_HEIGHT_PX;
/** Rows rendered above and below the visible ones. */
const OVERSCAN_ROWS = 12;
/** Frame length at which the size bar is full (Ethernet MTU frame). */
const FULL_FRAME_BYTES = 1514;

/** A packet row; `latencyMs` is shown when the server provides it. */
type TableRow = PacketRow & { latencyMs?: number };

/**
 * The packet table: only the visible rows are in the DOM, so 10k rows
 * scroll smoothly. Header and rows share one scroller (the header sticks to
 * its top), so they stay aligned when it scrolls sideways. The table is one
 * tab stop: arrow keys, Page Up/Down, Home and End move the active row and
 * Enter opens it. Focus stays on the scroller (the active row is its
 * `aria-activedescendant`), so rows that the virtual window drops or a
 * fetch moves never take the focus with them.
 */
export function PacketTable(): JSX.Element {
  const list = shownRows.value;
  const follow = autoScroll.value && frozenRows.value === null;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  // The packet number of the row the keyboard is on.
  const [activeN, setActiveN] = useState<number | null>(null);
  // The row at the top of the view, so rows added above it or dropped
  // (a fetch filling a paused table, the oldest rows evicted) leave the
  // view where it is when the table does not follow new rows.
  const anchor = useRef<{ n: number; offsetPx: number } | null>(null);

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
    } else if (anchor.current) {
      const index = indexOfPacket(list, anchor.current.n);
      if (index >= 0) {
        element.scrollTop = index * ROW_HEIGHT_PX + anchor.current.offsetPx;
      }
    }
    setScrollTop(element.scrollTop);
    anchor.current = anchorOf(list, element.scrollTop);
  }, [list, follow]);

  const onScroll = (event: JSX.TargetedUIEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    setScrollTop(element.scrollTop);
    anchor.current = anchorOf(list, element.scrollTop);
    const atBottom = element.scrollTop + element.clientHeight >=
      element.scrollHeight - ROW_HEIGHT_PX * 2;
    // Scrolling up stops following; scrolling back down resumes it.
    if (!atBottom && autoScroll.value) autoScroll.value = false;
    else if (atBottom && !autoScroll.value && frozenRows.value === null) {
      autoScroll.value = true;
    }
  };

  const rowOf = (target: EventTarget | null): TableRow | undefined => {
    const element = (target as Element | null)?.closest<HTMLElement>(
      "[data-n]",
    );
    if (!element) return undefined;
    const n = Number(element.dataset.n);
    return list.find((row) => row.n === n);
  };

  const onClick = (event: JSX.TargetedMouseEvent<HTMLDivElement>) => {
    const row = rowOf(event.target);
    if (row) {
      setActiveN(row.n);
      selectedPacket.value = row;
    }
  };

  const onKeyDown = (event: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    const activeIndex = activeN === null ? -1 : indexOfPacket(list, activeN);
    const current = activeIndex >= 0 ? list[activeIndex] : undefined;
    if (event.key === "Enter") {
      if (current) selectedPacket.value = current;
      return;
    }
    const page = Math.max(
      1,
      Math.floor((element.clientHeight - HEAD_HEIGHT_PX) / ROW_HEIGHT_PX) - 1,
    );
    const steps: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -Infinity,
      End: Infinity,
    };
    const step = steps[event.key];
    if (step === undefined || list.length === 0) return;
    event.preventDefault();
    const clamp = (i: number) => Math.max(0, Math.min(list.length - 1, i));
    const index = current ? clamp(activeIndex + step) : Number.isFinite(step)
      // From the table itself: into the first row fully on screen.
      ? clamp(Math.ceil(element.scrollTop / ROW_HEIGHT_PX))
      : clamp(step);
    // A user moving through rows stops the table following new ones.
    if (index < list.length - 1) autoScroll.value = false;
    const top = HEAD_HEIGHT_PX + index * ROW_HEIGHT_PX;
    if (top - HEAD_HEIGHT_PX < element.scrollTop) {
      element.scrollTop = top - HEAD_HEIGHT_PX;
    } else if (top + ROW_HEIGHT_PX > element.scrollTop + element.clientHeight) {
      element.scrollTop = top + ROW_HEIGHT_PX - element.clientHeight;
    }
    setScrollTop(element.scrollTop);
    setActiveN(list[index]!.n);
  };

  // Room below the last row so that the bottom, where a following table
  // sits, is a whole number of rows down: the top row is then whole under
  // the sticky header, never half hidden by it.
  const overflowPx = HEAD_HEIGHT_PX + list.length * ROW_HEIGHT_PX - height;
  const tailPx = overflowPx > 0
    ? (ROW_HEIGHT_PX - overflowPx % ROW_HEIGHT_PX) % ROW_HEIGHT_PX
    : 0;
  const bodyTop = Math.max(0, scrollTop - HEAD_HEIGHT_PX);
  const first = Math.max(
    0,
    Math.floor(bodyTop / ROW_HEIGHT_PX) - OVERSCAN_ROWS,
  );
  const last = Math.min(
    list.length,
    Math.ceil((bodyTop + height) / ROW_HEIGHT_PX) + OVERSCAN_ROWS,
  );
  const visible = list.slice(first, last) as TableRow[];

  return (
    <div class="packet-table" data-testid="packet-table">
      <div
        class="table-scroll"
        data-testid="packet-table-scroll"
        ref={viewport}
        onScroll={onScroll}
        onClick={onClick}
        onKeyDown={onKeyDown}
        tabIndex={0}
        role="grid"
        aria-readonly="true"
        aria-activedescendant={activeN === null ? undefined : rowId(activeN)}
        data-active-n={activeN ?? ""}
        aria-label="Packets: arrow keys move between rows, Enter opens one"
        aria-rowcount={list.length + 1}
      >
        <div class="tr thead" role="row" aria-rowindex={1}>
          <span role="columnheader">No.</span>
          <span role="columnheader">Time</span>
          <span role="columnheader">Source</span>
          <span role="columnheader">Destination</span>
          <span role="columnheader">Protocol</span>
          <span role="columnheader" title="Frame length on the wire, bytes">
            Bytes
          </span>
          <span role="columnheader">Flags</span>
          <span role="columnheader">Latency</span>
          <span role="columnheader">Info</span>
        </div>
        {list.length === 0 && (
          <div class="empty muted" data-testid="packet-empty">
            No packets match
          </div>
        )}
        <div
          class="tbody-spacer"
          role="rowgroup"
          style={{ height: `${list.length * ROW_HEIGHT_PX + tailPx}px` }}
        >
          <div
            class="tbody-window"
            style={{ transform: `translateY(${first * ROW_HEIGHT_PX}px)` }}
          >
            {visible.map((row, i) => (
              <PacketTableRow
                key={row.n}
                row={row}
                index={first + i}
                active={row.n === activeN}
              />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

/** The row at scroll position `scrollTop` and how far it is scrolled past. */
function anchorOf(
  list: readonly PacketRow[],
  scrollTop: number,
): { n: number; offsetPx: number } | null {
  const row = list[Math.floor(scrollTop / ROW_HEIGHT_PX)];
  return row ? { n: row.n, offsetPx: scrollTop % ROW_HEIGHT_PX } : null;
}

/** Index of packet `n` in `list` (ascending packet numbers), or -1. */
function indexOfPacket(list: readonly PacketRow[], n: number): number {
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const candidate = list[middle]!.n;
    if (candidate === n) return middle;
    if (candidate < n) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** The element id of packet `n`'s row (the grid's active descendant). */
function rowId(n: number): string {
  return `packet-row-${n}`;
}

interface PacketTableRowProps {
  row: TableRow;
  /** Position in the table's list (0: oldest shown). */
  index: number;
  /** Whether the keyboard is on this row. */
  active: boolean;
}

function PacketTableRow(
  { row, index, active }: PacketTableRowProps,
): JSX.Element {
  const color = serviceColor(row.protocol);
  const size = Math.min(100, (row.length / FULL_FRAME_BYTES) * 100);
  // HH:MM:SS then .mmm, which narrow windows leave out.
  const clock = formatClockUs(row.timestampUs);
  return (
    <div
      class={`tr${index % 2 === 1 ? " odd" : ""}${active ? " active" : ""}`}
      id={rowId(row.n)}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={active}
      data-testid="packet-row"
      data-n={row.n}
      data-protocol={row.protocol}
    >
      <span role="gridcell" class="num">{row.n}</span>
      <span
        role="gridcell"
        class="mono muted"
        title={formatDateTimeUs(row.timestampUs)}
      >
        {clock.slice(0, 8)}
        <span class="ms">{clock.slice(8)}</span>
      </span>
      <span
        role="gridcell"
        class="mono ellipsis"
        title={formatEndpoint(row.src, row.srcPort)}
      >
        {row.src}
      </span>
      <span
        role="gridcell"
        class="mono ellipsis"
        title={formatEndpoint(row.dst, row.dstPort)}
      >
        {row.dst}
      </span>
      <span role="gridcell">
        <span
          class="badge"
          data-testid="protocol-badge"
          style={{ borderColor: color, color }}
        >
          {row.protocol}
        </span>
      </span>
      <span role="gridcell" class="size" title={`${row.length} bytes`}>
        <span class="size-bar" style={{ width: `${size}%` }} />
        <span class="size-text">{row.length}</span>
      </span>
      <span role="gridcell" class="mono flags">{row.flags}</span>
      <span role="gridcell" class="mono muted">
        {row.latencyMs === undefined ? "" : formatMs(row.latencyMs)}
      </span>
      <span role="gridcell" class="ellipsis" title={row.info}>{row.info}</span>
    </div>
  );
}
