import assert from "node:assert/strict";
import {
  addToServiceTally,
  createServiceTally,
  mainService,
} from "./service_tally.ts";

Deno.test("service tally finds the main service, replacing the smallest of 4 slots", () => {
  const tally = createServiceTally();
  assert.equal(mainService(tally), -1);
  addToServiceTally(tally, 7, 100);
  addToServiceTally(tally, 11, 500);
  addToServiceTally(tally, 7, 300);
  assert.equal(mainService(tally), 11);
  addToServiceTally(tally, 7, 200); // 600 > 500
  assert.equal(mainService(tally), 7);
  for (const id of [1, 2, 3, 4, 5]) addToServiceTally(tally, id, 10);
  assert.equal(mainService(tally), 7);
});
