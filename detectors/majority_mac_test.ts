import assert from "node:assert/strict";
import {
  MAC_DOMINANT_SHARE,
  MajorityMac,
  throughMacText,
} from "./majority_mac.ts";

Deno.test("MajorityMac finds the MAC most frames came through, with a lower bound of its share", () => {
  const macs = new MajorityMac();
  assert.equal(macs.text(), "");
  assert.equal(macs.share(0), 0);
  // Background from three other MACs first, then the flood's one MAC.
  for (let i = 0; i < 30; i++) macs.add(0x001122, i % 3);
  for (let i = 0; i < 970; i++) macs.add(0x0c5415, 0x40d8f5);
  macs.add(-1, -1); // no link layer: not counted
  assert.equal(macs.text(), "0c:54:15:40:d8:f5");
  const share = macs.share(1000);
  assert.ok(share >= 0.9 && share <= 0.97, `${share}`);
  assert.deepEqual(macs.evidence(1000), {
    sourceMac: "0c:54:15:40:d8:f5",
    sourceMacShare: Math.round(share * 1000) / 1000,
  });
  macs.clear();
  assert.equal(macs.text(), "");
});

Deno.test("MajorityMac: frames spread over many MACs give no dominant one", () => {
  const macs = new MajorityMac();
  for (let i = 0; i < 1000; i++) macs.add(0x020000, i % 50);
  assert.ok(macs.share(1000) < MAC_DOMINANT_SHARE);
  assert.equal(
    throughMacText(macs.text(), macs.share(1000), MAC_DOMINANT_SHARE),
    "",
  );
  assert.equal(
    throughMacText("00:00:de:ad:be:ef", 0.999, MAC_DOMINANT_SHARE),
    " (99 % through MAC 00:00:de:ad:be:ef)",
  );
});
