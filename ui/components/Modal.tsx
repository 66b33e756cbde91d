import type { ComponentChildren, JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";

interface ModalProps {
  title: string;
  /** Stable test id of the dialog. */
  testId: string;
  onClose: () => void;
  children: ComponentChildren;
  /** Content next to the close button (actions). */
  actions?: ComponentChildren;
}

/** A dialog over the dashboard: closes on Escape, on the backdrop and on its button. */
export function Modal(props: ModalProps): JSX.Element {
  const dialog = useRef<HTMLDivElement>(null);
  const { onClose } = props;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.focus({ preventScroll: true });
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      // Back to where the user was, without scrolling a live table.
      previous?.focus?.({ preventScroll: true });
    };
  }, [onClose]);

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
