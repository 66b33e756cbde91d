import assert from "node:assert/strict";
import { type ListedToast, withToast } from "./toast_list.ts";

const toast = (key: number, id: string, escalatedFrom?: "medium" | "high") =>
  escalatedFrom === undefined
    ? { key, alert: { id } }
    : { key, alert: { id }, escalatedFrom };

Deno.test("withToast: one toast per alert, its latest news; the newest last, at most max", () => {
  let toasts: ListedToast[] = [];
  toasts = withToast(toasts, toast(1, "syn_flood-1"), 4);
  toasts = withToast(toasts, toast(2, "port_scan-2"), 4);
  // The flood rises twice within a second: one toast, its last rise.
  toasts = withToast(toasts, toast(3, "syn_flood-1", "medium"), 4);
  toasts = withToast(toasts, toast(4, "syn_flood-1", "high"), 4);
  assert.deepEqual(toasts, [
    toast(2, "port_scan-2"),
    toast(4, "syn_flood-1", "high"),
  ]);
  for (let i = 0; i < 5; i++) {
    toasts = withToast(toasts, toast(10 + i, `a-${i}`), 4);
  }
  assert.deepEqual(toasts.map((t) => t.key), [11, 12, 13, 14]);
});
