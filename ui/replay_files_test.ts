import assert from "node:assert/strict";
import { replayFileLabel } from "./replay_files.ts";

Deno.test("replayFileLabel() names a file by its place in the replay directory, with its size", () => {
  assert.equal(
    replayFileLabel("/srv/pcaps/day1/b.pcap", 1536, "/srv/pcaps"),
    "day1/b.pcap · 1.5 KiB",
  );
  // A directory that is a prefix of another is not taken for it.
  assert.equal(
    replayFileLabel("/srv/pcaps2/a.pcap", 10, "/srv/pcaps"),
    "/srv/pcaps2/a.pcap · 10 B",
  );
});
