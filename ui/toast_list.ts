/**
 * The toasts on screen as a new one arrives: at most one per alert (an
 * alert that engages and rises twice in a second is one toast, the latest
 * news of it: its last rise), the newest last, at most `max`.
 *
 * @module
 */

import type { Severity } from "../detectors/alert.ts";

/** What the list needs of a toast. */
export interface ListedToast {
  key: number;
  alert: { id: string };
  escalatedFrom?: Severity;
}

/** `toasts` with `next` added at the end, in place of a toast of the same alert, and the oldest beyond `max` gone. */
export function withToast<T extends ListedToast>(
  toasts: readonly T[],
  next: T,
  max: number,
): T[] {
  return [
    ...toasts.filter((toast) => toast.alert.id !== next.alert.id),
    next,
  ].slice(-max);
}
