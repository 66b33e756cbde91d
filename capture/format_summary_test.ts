import assert from "node:assert/strict";
import { printable } from "./format_summary.ts";

Deno.test("printable() writes control characters of a file name as \\xNN, so a summary line stays one line", () => {
  assert.equal(
    printable("cap\nture\u001b[31m\u007f.pcap"),
    "cap\\x0ature\\x1b[31m\\x7f.pcap",
  );
  assert.equal(printable("plain name (1).pcap"), "plain name (1).pcap");
  assert.equal(printable("café.pcap"), "café.pcap");
});
