import assert from "node:assert/strict";
import { DROP_NOTICE_INTERVAL_MS, DropNotice } from "./drop_notice.ts";

Deno.test("DropNotice tells the first kernel drop at once, then a rise at most every 5 s", () => {
  const lines: string[] = [];
  const notice = new DropNotice((line) => lines.push(line));
  notice.update(0, 1_000);
  assert.deepEqual(lines, []);
  notice.update(12, 2_000);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /^netmirror: tcpdump has dropped 12 packets in the kernel so far \(its buffer was full: a larger -B/,
  );
  notice.update(40, 2_000 + DROP_NOTICE_INTERVAL_MS - 1);
  assert.equal(lines.length, 1, "too soon after the last line");
  notice.update(40, 2_000 + DROP_NOTICE_INTERVAL_MS);
  assert.deepEqual(lines.slice(1), [
    "netmirror: tcpdump has dropped 40 packets in the kernel so far",
  ]);
  notice.update(40, 60_000);
  assert.equal(lines.length, 2, "no rise, no line");
});
