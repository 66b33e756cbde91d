import assert from "node:assert/strict";
import type { Finding } from "./alert.ts";
import {
  type AlertEvent,
  AlertLifecycle,
  AlertNumbering,
} from "./alert_lifecycle.ts";

const S = 1_000_000;

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: "port_scan",
    key: "10.0.0.9",
    timestampUs: 0,
    severity: "medium",
    attacker: "10.0.0.9",
    victim: "10.0.0.1",
    domain: "",
    summary: "10.0.0.9 probed 100 ports",
    evidence: { ports: 100 },
    ...overrides,
  };
}

function recorder(): { events: AlertEvent[]; types: () => string[] } {
  const events: AlertEvent[] = [];
  return { events, types: () => events.map((e) => `${e.type}:${e.alert.id}`) };
}

/** A lifecycle (release after 10 s idle, suppression 60 s) whose one incident, found at 0, was released at 10 s; and its events. */
function releasedIncident() {
  const r = recorder();
  const lifecycle = new AlertLifecycle(
    { releaseAfterUs: 10 * S, suppressionUs: 60 * S },
    (e) => r.events.push(e),
  );
  lifecycle.report(finding({ timestampUs: 0 }));
  lifecycle.advance(10 * S);
  return { lifecycle, r };
}

Deno.test("AlertLifecycle makes one alert per incident: engaged, updated, released", () => {
  const { events, types } = recorder();
  const lifecycle = new AlertLifecycle({}, (e) => events.push(e));
  lifecycle.report(finding({ timestampUs: 0 }));
  lifecycle.report(finding({ timestampUs: 1 * S, evidence: { ports: 200 } })); // within 10 s: merged silently
  lifecycle.report(finding({ timestampUs: 11 * S, evidence: { ports: 400 } }));
  lifecycle.advance(100 * S);
  assert.deepEqual(types(), ["engaged:port_scan-1", "updated:port_scan-1"]);
  lifecycle.advance(131 * S + 1); // 120 s after the last finding
  assert.deepEqual(types(), [
    "engaged:port_scan-1",
    "updated:port_scan-1",
    "released:port_scan-1",
  ]);
  const released = events.at(-1)!.alert;
  assert.equal(released.state, "released");
  assert.equal(released.findings, 3);
  assert.deepEqual(released.evidence, { ports: 400 });
  assert.equal(released.mitre.id, "T1046");
  assert.equal(released.firstSeenUs, 0);
  assert.equal(released.lastSeenUs, 11 * S);
  assert.match(released.recommendation, /scanner/);
});

Deno.test("AlertLifecycle sends a severity rise at once", () => {
  const { types } = ((r) => {
    const lifecycle = new AlertLifecycle({}, (e) => r.events.push(e));
    lifecycle.report(finding({ timestampUs: 0 }));
    lifecycle.report(finding({ timestampUs: 1, severity: "high" }));
    return r;
  })(recorder());
  assert.deepEqual(types(), ["engaged:port_scan-1", "updated:port_scan-1"]);
});

Deno.test("AlertLifecycle keeps different kinds and keys apart", () => {
  const lifecycle = new AlertLifecycle();
  lifecycle.report(finding());
  lifecycle.report(finding({ key: "10.0.0.8", attacker: "10.0.0.8" }));
  lifecycle.report(finding({ kind: "icmp_sweep" }));
  assert.deepEqual(lifecycle.alerts().map((a) => a.id), [
    "port_scan-1",
    "port_scan-2",
    "icmp_sweep-3",
  ]);
});

Deno.test("AlertLifecycle reopens a released incident within the suppression window", () => {
  const { lifecycle, r } = releasedIncident();
  lifecycle.report(finding({ timestampUs: 30 * S })); // reopened, same id
  lifecycle.advance(100 * S);
  lifecycle.report(finding({ timestampUs: 200 * S })); // 100 s after release: new incident
  assert.deepEqual(r.types(), [
    "engaged:port_scan-1",
    "released:port_scan-1",
    "updated:port_scan-1",
    "released:port_scan-1",
    "engaged:port_scan-2",
  ]);
  assert.deepEqual(
    r.events.map((event) => event.reopened ?? false),
    [false, false, true, false, false],
    "the reopening update says so",
  );
});

Deno.test("AlertLifecycle drops allowlisted findings by CIDR, domain suffix and per kind", () => {
  const lifecycle = new AlertLifecycle({
    allowlist: {
      cidrs: ["10.0.0.0/29"],
      domains: ["corp.example"],
      perKind: { icmp_flood: { cidrs: ["192.0.2.1/32"] } },
    },
  });
  const dns = {
    kind: "dns_tunnel",
    attacker: "10.1.1.1",
    victim: "8.8.8.8",
  } as const;
  lifecycle.report(
    finding({ attacker: "10.0.0.5", key: "10.0.0.5", victim: "" }),
  );
  lifecycle.report(finding({ ...dns, domain: "cdn.corp.example" }));
  lifecycle.report(finding({ ...dns, domain: "notcorp.example" }));
  lifecycle.report(
    finding({ kind: "icmp_flood", attacker: "", victim: "192.0.2.1" }),
  );
  lifecycle.report(
    finding({ attacker: "192.0.2.1", key: "192.0.2.1", victim: "" }),
  );
  assert.deepEqual(
    lifecycle.alerts().map((a) => `${a.kind}:${a.attacker}`),
    ["dns_tunnel:10.1.1.1", "port_scan:192.0.2.1"],
  );
  assert.equal(lifecycle.counters().allowlisted, 3);
});

Deno.test("AlertLifecycle bounds active alerts and history", () => {
  const r = recorder();
  const lifecycle = new AlertLifecycle(
    { maxActive: 100, maxHistory: 50 },
    (e) => r.events.push(e),
  );
  for (let i = 0; i < 10_000; i++) {
    lifecycle.report(
      finding({
        key: `k${i}`,
        attacker: `10.${i >> 8}.${i & 255}.1`,
        timestampUs: i,
      }),
    );
  }
  assert.equal(lifecycle.tables().active_alerts!.size, 100);
  assert.equal(lifecycle.alerts().length, 50);
  assert.equal(r.events.filter((e) => e.type === "released").length, 9_900);
});

Deno.test("AlertLifecycle marks an update whose severity rose as an escalation, once per rise", () => {
  const { events } = recorder();
  const lifecycle = new AlertLifecycle({}, (e) => events.push(e));
  lifecycle.report(finding({ timestampUs: 0, severity: "medium" }));
  // Same severity after the update interval: an update, not an escalation.
  lifecycle.report(finding({ timestampUs: 11 * S, severity: "medium" }));
  lifecycle.report(
    finding({ timestampUs: 12 * S, severity: "critical", summary: "big" }),
  );
  // A lower severity later never lowers the alert's, nor escalates it.
  lifecycle.report(finding({ timestampUs: 25 * S, severity: "low" }));
  lifecycle.releaseAll(30 * S);
  assert.deepEqual(
    events.map((e) => [e.type, e.alert.severity, e.escalatedFrom ?? "-"]),
    [
      ["engaged", "medium", "-"],
      ["updated", "medium", "-"],
      ["updated", "critical", "medium"],
      ["updated", "critical", "-"],
      ["released", "critical", "-"],
    ],
  );
  assert.equal(events[2]!.alert.summary, "big");
});

Deno.test("AlertLifecycle sends an update at once when the alert's technique changes, naming the old one", () => {
  const { events } = recorder();
  const lifecycle = new AlertLifecycle({}, (e) => events.push(e));
  const volumetric = {
    id: "T1498",
    name: "Network Denial of Service",
    tactic: "Impact",
  };
  lifecycle.report(finding({ timestampUs: 0 }));
  lifecycle.report(finding({ timestampUs: 1 * S, mitre: volumetric }));
  // Unchanged after that: no event until the update interval.
  lifecycle.report(finding({ timestampUs: 2 * S, mitre: volumetric }));
  lifecycle.releaseAll(30 * S);
  assert.deepEqual(
    events.map((e) => [e.type, e.alert.mitre.id, e.reclassifiedFrom ?? "-"]),
    [
      ["engaged", "T1046", "-"],
      ["updated", "T1498", "T1046"],
      ["released", "T1498", "-"],
    ],
  );
});

Deno.test("AlertLifecycle: an alert is first seen when its incident began, as its findings tell (never after a finding)", () => {
  const lifecycle = new AlertLifecycle();
  lifecycle.report(finding({ timestampUs: 10 * S, startUs: 4 * S }));
  assert.equal(lifecycle.alerts()[0]!.firstSeenUs, 4 * S);
  // A later finding that says the incident began earlier moves it back.
  lifecycle.report(finding({ timestampUs: 12 * S, startUs: 3 * S }));
  assert.equal(lifecycle.alerts()[0]!.firstSeenUs, 3 * S);
  // Neither a later start nor a start after the finding itself moves it on.
  lifecycle.report(finding({ timestampUs: 13 * S, startUs: 20 * S }));
  assert.equal(lifecycle.alerts()[0]!.firstSeenUs, 3 * S);
  const other = new AlertLifecycle();
  other.report(finding({ timestampUs: 10 * S, startUs: 20 * S }));
  assert.equal(other.alerts()[0]!.firstSeenUs, 10 * S);
  const plain = new AlertLifecycle();
  plain.report(finding({ timestampUs: 11 * S }));
  assert.equal(
    plain.alerts()[0]!.firstSeenUs,
    11 * S,
    "no start: the finding's time",
  );
});

Deno.test("AlertLifecycle: evidence is the latest finding's, but a peak never falls (a flood's next burst starts its counts afresh)", () => {
  const lifecycle = new AlertLifecycle();
  lifecycle.report(finding({
    kind: "syn_flood",
    evidence: { halfOpen: 19318, peakHalfOpen: 19318, peakRefused: 0 },
  }));
  lifecycle.report(finding({
    kind: "syn_flood",
    timestampUs: 4 * S,
    evidence: { halfOpen: 12744, peakHalfOpen: 12744, peakRefused: 3 },
  }));
  assert.deepEqual(lifecycle.alerts()[0]!.evidence, {
    halfOpen: 12744,
    peakHalfOpen: 19318,
    peakRefused: 3,
  });
});

Deno.test("AlertLifecycle: the alert names the victim its latest finding speaks of, also when reopened", () => {
  const { lifecycle, r } = releasedIncident();
  // The same scanner's next scan, of another host: the alert reopens.
  lifecycle.report(finding({
    timestampUs: 30 * S,
    victim: "10.0.0.2",
    summary: "10.0.0.9 probed 100 ports of 10.0.0.2",
  }));
  const reopened = r.events.at(-1)!;
  assert.equal(reopened.type, "updated");
  assert.equal(reopened.alert.victim, "10.0.0.2");
  // A finding that names no victim (a horizontal sweep) keeps the last one.
  lifecycle.report(finding({ timestampUs: 45 * S, victim: "" }));
  assert.equal(lifecycle.alerts()[0]!.victim, "10.0.0.2");
});

Deno.test("AlertLifecycle marks a reopened alert whose severity rose as an escalation", () => {
  const { events } = recorder();
  const lifecycle = new AlertLifecycle({}, (e) => events.push(e));
  lifecycle.report(finding({ timestampUs: 0, severity: "medium" }));
  lifecycle.advance(200 * S); // released after 2 min idle
  lifecycle.report(finding({ timestampUs: 210 * S, severity: "high" }));
  assert.deepEqual(
    events.map((e) => [e.type, e.escalatedFrom ?? "-"]),
    [["engaged", "-"], ["released", "-"], ["updated", "medium"]],
  );
});

Deno.test("AlertLifecycle ids: each lifecycle numbers from 1, a shared AlertNumbering never repeats one", () => {
  const own = [new AlertLifecycle(), new AlertLifecycle()];
  for (const lifecycle of own) lifecycle.report(finding());
  assert.deepEqual(own.map((l) => l.alerts()[0]!.id), [
    "port_scan-1",
    "port_scan-1",
  ]);
  // Two sessions of one server: the second one's first alert is not port_scan-1 again.
  const numbering = new AlertNumbering();
  const sessions = [
    new AlertLifecycle({ numbering }),
    new AlertLifecycle({ numbering }),
  ];
  sessions[0]!.report(finding());
  sessions[0]!.report(finding({ key: "10.0.0.8", attacker: "10.0.0.8" }));
  sessions[1]!.report(finding());
  assert.deepEqual(
    sessions.flatMap((l) => l.alerts().map((alert) => alert.id)),
    ["port_scan-1", "port_scan-2", "port_scan-3"],
  );
});

Deno.test("AlertLifecycle's full history forgets its lowest severity first, and its tally counts every alert", () => {
  const lifecycle = new AlertLifecycle({ maxHistory: 10 });
  lifecycle.report(
    finding({ kind: "syn_flood", key: "v", severity: "critical" }),
  );
  lifecycle.report(finding({ key: "a", severity: "medium", timestampUs: 1 }));
  for (let i = 0; i < 1_500; i++) {
    lifecycle.report(
      finding({
        kind: "arp_scan",
        key: `s${i}`,
        severity: "low",
        timestampUs: 2 + i,
      }),
    );
  }
  const held = lifecycle.alerts();
  assert.equal(held.length, 10);
  // The critical and the medium alert stay, with the eight newest low ones.
  assert.deepEqual(held.slice(0, 2).map((a) => a.kind), [
    "syn_flood",
    "port_scan",
  ]);
  assert.deepEqual(
    held.slice(2).map((a) => a.id),
    Array.from({ length: 8 }, (_, i) => `arp_scan-${1_495 + i}`),
  );
  // An alert whose severity rises is counted once, at its new severity.
  lifecycle.report(finding({ key: "a", severity: "high", timestampUs: 2_000 }));
  assert.deepEqual(lifecycle.tally(), {
    total: 1_502,
    bySeverity: { critical: 1, medium: 0, high: 1, low: 1_500 },
    byKind: { syn_flood: 1, port_scan: 1, arp_scan: 1_500 },
  });
});

Deno.test("AlertLifecycle takes back into its history an alert it forgot whose severity then rose", () => {
  const lifecycle = new AlertLifecycle({ maxHistory: 2 });
  lifecycle.report(finding({ key: "a", severity: "low", timestampUs: 0 }));
  lifecycle.report(finding({ key: "b", severity: "medium", timestampUs: 1 }));
  lifecycle.report(finding({ key: "c", severity: "medium", timestampUs: 2 }));
  assert.deepEqual(lifecycle.alerts().map((a) => a.id), [
    "port_scan-2",
    "port_scan-3",
  ]);
  lifecycle.report(finding({ key: "a", severity: "critical", timestampUs: 3 }));
  assert.deepEqual(lifecycle.alerts().map((a) => `${a.id}:${a.severity}`), [
    "port_scan-3:medium",
    "port_scan-1:critical",
  ]);
});

Deno.test("AlertLifecycle.reportFinal gives a released alert its last figures in one released event, without reopening it; an active one it updates as report does", () => {
  const { lifecycle, r } = releasedIncident();
  lifecycle.reportFinal(
    finding({ timestampUs: 5 * S, evidence: { ports: 300 } }),
  );
  lifecycle.releaseAll(20 * S);
  assert.deepEqual(r.types(), [
    "engaged:port_scan-1",
    "released:port_scan-1",
    "released:port_scan-1",
  ]);
  assert.deepEqual(
    r.events.map((event) => event.revised ?? false),
    [false, false, true],
    "the second release says it revises the first",
  );
  const last = r.events.at(-1)!.alert;
  assert.equal(last.state, "released");
  assert.deepEqual(last.evidence, { ports: 300 });
  assert.equal(lifecycle.alerts()[0]!.evidence.ports, 300);
  // Active: merged into the alert, released with the rest.
  const active = recorder();
  const other = new AlertLifecycle({}, (e) => active.events.push(e));
  other.report(finding({ timestampUs: 0 }));
  other.reportFinal(finding({ timestampUs: 1 * S, evidence: { ports: 200 } }));
  other.releaseAll(2 * S);
  assert.deepEqual(active.types(), [
    "engaged:port_scan-1",
    "released:port_scan-1",
  ]);
  assert.deepEqual(active.events.at(-1)!.alert.evidence, { ports: 200 });
  assert.equal(active.events.at(-1)!.revised, undefined);
});
