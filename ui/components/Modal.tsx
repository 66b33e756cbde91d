import type { ComponentChildren, JSX } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";

interface ModalProps {
  title: string;
  /** Stable test id of the dialog. */
  testId: string;
  onClose: () => void;
  children: ComponentChildren;
  /** Content next to the close button (actions). */
  actions?: ComponentChildren;
}

/** What Tab can reach inside a dialog. */
const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "summary",
  '[tabindex]:not([tabindex="-1"])',
].join(",");

/**
 * A dialog over the dashboard: closes on Escape, on the backdrop and on its
 * button; keeps Tab and Shift+Tab inside itself while open, and gives focus
 * back to where it was when it closes.
 */
export function Modal(props: ModalProps): JSX.Element {
  const dialog = useRef<HTMLDivElement>(null);
  // The latest onClose, read when a key closes the dialog: a parent that
  // passes a new function each render must not re-run the effect below
  // (its cleanup hands the focus back behind the dialog).
  const onCloseRef = useRef(props.onClose);
  onCloseRef.current = props.onClose;
  const onClose = () => onCloseRef.current();

  // A layout effect: focus and the Tab trap are in place when the dialog
  // is on screen, before a key pressed right after opening it arrives.
  useLayoutEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    // Where focus goes instead if `previous` is gone by then (an alert or
    // row that another client's clear or new session removed).
    const region = previous?.closest<HTMLElement>("section, aside, header");
    dialog.current?.focus({ preventScroll: true });
    const onKey = (event: KeyboardEvent) => {
      const box = dialog.current;
      // With two dialogs open (a toast over a packet), the top one handles keys.
      if (!box || !isTopDialog(box)) return;
      if (event.key === "Escape") onCloseRef.current();
      else if (event.key === "Tab") trapTab(event, box);
    };
    const onFocusIn = (event: FocusEvent) => {
      // Focus sent behind the dialog (a click on a toast, a script): back in.
      const box = dialog.current;
      if (
        box && isTopDialog(box) && event.target instanceof Node &&
        !box.contains(event.target) && !isInDialog(event.target)
      ) {
        box.focus({ preventScroll: true });
      }
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("focusin", onFocusIn);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("focusin", onFocusIn);
      // Back to where the user was, without scrolling a live table, at once.
      previous?.focus?.({ preventScroll: true });
      // The render that closes the dialog may also remove that element (a
      // clear closes it and empties the list in one go): then focus fell to
      // the page's body, and goes to the element's panel instead.
      setTimeout(() => {
        const lost = document.activeElement === null ||
          document.activeElement === document.body;
        if (lost && region?.isConnected) {
          if (!region.hasAttribute("tabindex")) region.tabIndex = -1;
          region.focus({ preventScroll: true });
        }
      }, 0);
    };
  }, []);

  return (
    <div
      class="backdrop"
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        data-testid={props.testId}
        tabIndex={-1}
        ref={dialog}
      >
        <div class="modal-head">
          <h2>{props.title}</h2>
          <div class="modal-actions">
            {props.actions}
            <button
              type="button"
              class="btn"
              data-testid="modal-close"
              onClick={onClose}
            >
              Close
            </button>
          </div>
        </div>
        <div class="modal-body">{props.children}</div>
      </div>
    </div>
  );
}

function isTopDialog(box: Element): boolean {
  const dialogs = document.querySelectorAll('[role="dialog"][aria-modal]');
  return dialogs[dialogs.length - 1] === box;
}

function isInDialog(node: Node): boolean {
  return node instanceof Element && node.closest('[role="dialog"]') !== null;
}

/** Moves focus from the last item to the first (Shift+Tab: the reverse). */
function trapTab(event: KeyboardEvent, box: HTMLElement): void {
  const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = items[0];
  const last = items.at(-1);
  const active = document.activeElement;
  if (!first || !last) {
    event.preventDefault();
    box.focus();
  } else if (!box.contains(active)) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  } else if (event.shiftKey && (active === first || active === box)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}
