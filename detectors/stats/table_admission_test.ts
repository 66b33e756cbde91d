import assert from "node:assert/strict";
import { type AdmittedEntry, TableAdmission } from "./table_admission.ts";
import { hashKey } from "../numeric_key_map.ts";

/** A table with room: every key not in it is admitted (and counted). */
const ROOMY_TABLE = { size: 0, capacity: 1, oldest: () => undefined };

/** A full one-entry table whose only (oldest) entry is `resident`. */
function fullTableOf(resident: AdmittedEntry) {
  return { size: 1, capacity: 1, oldest: () => resident };
}

/** The sighting (1, 2, …) on which a new key with `hash` is first admitted into `table`, or 0 if not within `limit`. */
function admittedOnSighting(
  admission: TableAdmission,
  table: ReturnType<typeof fullTableOf>,
  hash: number,
  limit = 100,
): number {
  for (let sighting = 1; sighting <= limit; sighting++) {
    if (!admission.refuses(table, hash)) return sighting;
  }
  return 0;
}

/** An entry admitted on its first counted sighting, then hit `hits` times. */
function residentWithHits(
  admission: TableAdmission,
  hash: number,
  hits: number,
): AdmittedEntry {
  admission.refuses(ROOMY_TABLE, hash);
  const entry = { hash, unsyncedHits: 0, unsyncedGeneration: 0 };
  for (let i = 0; i < hits; i++) admission.countHit(entry);
  return entry;
}

Deno.test("TableAdmission: a resident's hits held in the entry count in its estimate as a victim", () => {
  const admission = new TableAdmission();
  // Seen once to get in, then 5 times as a hit: none of them in the sketch yet.
  const resident = residentWithHits(admission, hashKey(1, 0, 0), 5);
  assert.equal(resident.unsyncedHits, 5);
  // A newcomer must be seen more often than 1 + 5 = 6 times.
  const sighting = admittedOnSighting(
    admission,
    fullTableOf(resident),
    hashKey(2, 0, 0),
  );
  assert.equal(sighting, 7);
  assert.equal(admission.rejected, 6);
});

Deno.test("TableAdmission: every eighth hit goes to the sketch, and those stay counted", () => {
  const admission = new TableAdmission();
  const resident = residentWithHits(admission, hashKey(1, 0, 0), 7);
  assert.equal(resident.unsyncedHits, 7);
  admission.countHit(resident);
  assert.equal(resident.unsyncedHits, 0);
  for (let i = 0; i < 8; i++) admission.countHit(resident);
  assert.equal(resident.unsyncedHits, 0);
  // 1 + 16 sightings in the sketch: a newcomer gets in on its 18th.
  assert.equal(
    admittedOnSighting(admission, fullTableOf(resident), hashKey(2, 0, 0)),
    18,
  );
});

Deno.test("TableAdmission: held hits age with the sketch's counters", () => {
  const admission = new TableAdmission();
  const resident = residentWithHits(admission, hashKey(1, 0, 0), 6);
  // Another key's first sighting marks the doorkeeper; its next 2^18 go to
  // the sketch and halve it once: the resident's 6 held hits become 3.
  const other = hashKey(3, 0, 0);
  for (let i = 0; i <= 1 << 18; i++) admission.refuses(ROOMY_TABLE, other);
  // A newcomer's first sighting only marks the doorkeeper: it needs 1 + 4.
  assert.equal(
    admittedOnSighting(admission, fullTableOf(resident), hashKey(2, 0, 0)),
    5,
  );
  // A hit after the halving keeps the aged count: 3 + 1 held.
  admission.countHit(resident);
  assert.equal(resident.unsyncedHits, 4);
});

Deno.test("TableAdmission: keys seen once in a full table only mark the doorkeeper: they neither count in the sketch nor age it", () => {
  const admission = new TableAdmission();
  const resident = residentWithHits(admission, hashKey(1, 0, 0), 6);
  const full = fullTableOf(resident);
  // 2^18 one-off keys (a spoofed flood): all turned away. Had they gone to
  // the sketch, it would have halved, and the resident's 6 held hits with it.
  for (let key = 10; key < 10 + (1 << 18); key++) {
    assert.equal(admission.refuses(full, hashKey(key, 0, 0)), true);
  }
  // A newcomer still needs 1 (doorkeeper) + 7 sightings to beat 6.
  assert.equal(admittedOnSighting(admission, full, hashKey(2, 0, 0)), 8);
});
