/**
 * The alert lifecycle: turns detectors' findings into one alert per incident,
 * keyed by (kind, key): engaged → updated (counts grow) → released after it
 * has been idle, all in packet time. Applies allowlists and a suppression
 * window, and keeps a bounded history.
 *
 * @module
 */

import {
  type Alert,
  type AlertKind,
  type AlertState,
  type EvidenceValue,
  type Finding,
  type Severity,
  SEVERITY_ORDER,
} from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import { ALERT_CATALOG } from "./catalog.ts";
import { CidrSet } from "./cidr.ts";
import type { TableStats } from "./detector.ts";

/** Addresses and domains that never raise alerts. */
export interface AllowlistEntries {
  /** CIDRs (v4 or v6) matched against a finding's attacker and victim. */
  cidrs?: string[];
  /** Domain suffixes matched (on label boundaries) against a finding's domain. */
  domains?: string[];
}

/** Allowlists for every detector and per detector. */
export interface Allowlist extends AllowlistEntries {
  /** Extra entries that apply to one alert kind only. */
  perKind?: Partial<Record<AlertKind, AllowlistEntries>>;
}

/** Options of {@linkcode AlertLifecycle}. */
export interface AlertLifecycleOptions {
  /** An alert with no finding for this long (packet time, µs) is released. */
  releaseAfterUs?: number;
  /** Least packet time (µs) between two "updated" events of one alert; a severity rise is sent at once. */
  updateIntervalUs?: number;
  /** After release, a finding for the same incident within this time (µs) reopens the same alert instead of a new one. */
  suppressionUs?: number;
  /** Active alerts held at once; beyond this the least recently updated is released early. */
  maxActive?: number;
  /** Alerts kept in the history (any state), newest last; past it the oldest of the lowest severity held is forgotten. */
  maxHistory?: number;
  /** Findings that match never become alerts (they are counted). */
  allowlist?: Allowlist;
  /**
   * Numbers the alert ids ("<kind>-<n>"). Give every session's lifecycle
   * the same one so that a new session never reuses an earlier session's
   * ids; by default each lifecycle numbers its own from 1 (a replay gives
   * identical ids).
   */
  numbering?: AlertNumbering;
}

/** Hands out alert numbers, 1, 2, 3…; one shared by several lifecycles keeps their alert ids unique. */
export class AlertNumbering {
  #next = 1;

  /** The next alert number. */
  next(): number {
    return this.#next++;
  }
}

/**
 * Defaults: release after 2 min idle (a scan that pauses for less is one
 * incident, like Zeek's notice suppression), updates at most every 10 s,
 * 10 min suppression (Suricata's `threshold: type limit` style), 10 000
 * active alerts and 1 000 in the history.
 */
export const ALERT_LIFECYCLE_DEFAULTS = {
  releaseAfterUs: 120_000_000,
  updateIntervalUs: 10_000_000,
  suppressionUs: 600_000_000,
  maxActive: 10_000,
  maxHistory: 1_000,
  allowlist: {},
} satisfies Required<Omit<AlertLifecycleOptions, "numbering">>;

/**
 * How long after an incident's last finding a new one still goes to the
 * same alert with the defaults: its idle release, then its suppression
 * (12 min). A detector that ends an incident's state (a flood that paused)
 * keeps its figures this long, so the alert the next state's findings
 * merge into tells the whole incident.
 */
export const INCIDENT_MEMORY_US = ALERT_LIFECYCLE_DEFAULTS.releaseAfterUs +
  ALERT_LIFECYCLE_DEFAULTS.suppressionUs;

/** One lifecycle transition, with a snapshot of the alert. */
export interface AlertEvent {
  type: AlertState;
  alert: Alert;
  /**
   * On an "updated" event whose alert's severity rose since the alert's
   * previous event (an escalation): that earlier severity. Absent otherwise.
   */
  escalatedFrom?: Severity;
  /**
   * On an "updated" event whose alert's MITRE technique changed since the
   * alert's previous event (a SYN flood found volumetric, or at closed
   * ports): the earlier technique id. Absent otherwise.
   */
  reclassifiedFrom?: string;
  /**
   * On an "updated" event that reopens a released alert (its incident came
   * back within the suppression time): true. Absent otherwise.
   */
  reopened?: true;
  /**
   * On a "released" event of an alert released already, whose detector
   * gave its last figures at the end of the input (`reportFinal`): true.
   * The event's figures replace the earlier release's. Absent otherwise.
   */
  revised?: true;
}

interface ActiveAlert {
  alert: Alert;
  lastEmittedUs: number;
  dirty: boolean;
  /** The alert's severity in its last event. */
  emittedSeverity: Severity;
  /** The alert's MITRE technique id in its last event. */
  emittedTechnique: string;
}

interface CompiledAllowlist {
  cidrs: CidrSet;
  domains: string[];
}

function compileEntries(
  entries: AllowlistEntries | undefined,
): CompiledAllowlist {
  return {
    cidrs: new CidrSet(entries?.cidrs ?? []),
    domains: (entries?.domains ?? []).map((d) =>
      d.toLowerCase().replace(/^\.+|\.+$/g, "")
    ).filter((d) => d !== ""),
  };
}

function domainMatches(domain: string, suffixes: string[]): boolean {
  if (domain === "") return false;
  return suffixes.some((s) => domain === s || domain.endsWith("." + s));
}

/** When a finding's incident began: its start when given (never after the finding itself). */
function startOf(finding: Finding): number {
  return Math.min(finding.startUs ?? finding.timestampUs, finding.timestampUs);
}

function snapshot(alert: Alert): Alert {
  return {
    ...alert,
    mitre: { ...alert.mitre },
    evidence: { ...alert.evidence },
  };
}

/** Counts of every alert engaged, also those the bounded history no longer holds. */
export interface AlertTally {
  /** Alerts engaged. */
  total: number;
  /** By current severity (an alert counts once, at the severity it rose to). */
  bySeverity: Partial<Record<Severity, number>>;
  /** By kind. */
  byKind: Partial<Record<AlertKind, number>>;
}

/** Turns findings into alerts and publishes their lifecycle events. */
export class AlertLifecycle {
  readonly #options: Required<Omit<AlertLifecycleOptions, "numbering">>;
  readonly #numbering: AlertNumbering;
  readonly #onEvent: (event: AlertEvent) => void;
  readonly #active: BoundedMap<string, ActiveAlert>;
  readonly #released: BoundedMap<string, { alert: Alert; releasedUs: number }>;
  readonly #history: Alert[] = [];
  readonly #tally: Omit<AlertTally, "total"> = { bySeverity: {}, byKind: {} };
  readonly #global: CompiledAllowlist;
  readonly #perKind = new Map<AlertKind, CompiledAllowlist>();
  #allowlisted = 0;
  #findings = 0;
  #engaged = 0;

  /** `onEvent` receives every engaged, updated and released event. */
  constructor(
    options: AlertLifecycleOptions = {},
    onEvent: (event: AlertEvent) => void = () => {},
  ) {
    const { numbering, ...rest } = options;
    this.#options = { ...ALERT_LIFECYCLE_DEFAULTS, ...rest };
    this.#numbering = numbering ?? new AlertNumbering();
    this.#onEvent = onEvent;
    this.#active = new BoundedMap(
      this.#options.maxActive,
      (key, entry) => this.#release(key, entry, entry.alert.lastSeenUs),
    );
    this.#released = new BoundedMap(this.#options.maxActive);
    const allow = this.#options.allowlist;
    this.#global = compileEntries(allow);
    for (const [kind, entries] of Object.entries(allow.perKind ?? {})) {
      this.#perKind.set(kind as AlertKind, compileEntries(entries));
    }
  }

  /** Merges one finding into its incident's alert, engaging it if new. */
  report(finding: Finding): void {
    this.#findings++;
    if (this.#isAllowed(finding)) {
      this.#allowlisted++;
      return;
    }
    const id = `${finding.kind}\u0000${finding.key}`;
    const active = this.#active.get(id);
    if (active) {
      this.#merge(active, finding);
      return;
    }
    const released = this.#released.peek(id);
    if (
      released &&
      finding.timestampUs - released.releasedUs < this.#options.suppressionUs
    ) {
      this.#released.delete(id);
      const reopened: ActiveAlert = {
        alert: released.alert,
        lastEmittedUs: finding.timestampUs,
        dirty: false,
        emittedSeverity: released.alert.severity,
        emittedTechnique: released.alert.mitre.id,
      };
      this.#active.set(id, reopened);
      this.#apply(reopened.alert, finding);
      this.#emit("updated", reopened, true);
      return;
    }
    const info = ALERT_CATALOG[finding.kind];
    const alert: Alert = {
      id: `${finding.kind}-${this.#numbering.next()}`,
      kind: finding.kind,
      state: "engaged",
      severity: finding.severity,
      title: info.title,
      summary: finding.summary,
      description: info.description,
      recommendation: info.recommendation,
      mitre: { ...(finding.mitre ?? info.mitre) },
      attacker: finding.attacker,
      victim: finding.victim,
      domain: finding.domain,
      firstSeenUs: startOf(finding),
      lastSeenUs: finding.timestampUs,
      findings: 1,
      evidence: { ...finding.evidence },
    };
    const entry: ActiveAlert = {
      alert,
      lastEmittedUs: finding.timestampUs,
      dirty: false,
      emittedSeverity: alert.severity,
      emittedTechnique: alert.mitre.id,
    };
    this.#active.set(id, entry);
    this.#engaged++;
    const tally = this.#tally;
    tally.byKind[alert.kind] = (tally.byKind[alert.kind] ?? 0) + 1;
    tally.bySeverity[alert.severity] = (tally.bySeverity[alert.severity] ?? 0) +
      1;
    this.#remember(alert);
    this.#emit("engaged", entry);
  }

  /**
   * Merges a detector's last figures of an incident at the end of the input
   * (`Detector.flush`): into its alert when active, as `report` does; into
   * its released alert otherwise, which is told released again with them
   * (one event) rather than reopened and released (two).
   */
  reportFinal(finding: Finding): void {
    const id = `${finding.kind}\u0000${finding.key}`;
    const released = this.#active.peek(id) === undefined
      ? this.#released.peek(id)
      : undefined;
    if (released === undefined || this.#isAllowed(finding)) {
      this.report(finding);
      return;
    }
    this.#findings++;
    this.#apply(released.alert, finding);
    this.#onEvent({
      type: "released",
      alert: snapshot(released.alert),
      revised: true,
    });
  }

  /** Advances packet time: sends pending updates and releases idle alerts. */
  advance(nowUs: number): void {
    const { releaseAfterUs, updateIntervalUs } = this.#options;
    for (const [id, entry] of this.#active.entries()) {
      if (nowUs - entry.alert.lastSeenUs >= releaseAfterUs) {
        this.#active.delete(id);
        this.#release(id, entry, nowUs);
      } else if (
        entry.dirty && nowUs - entry.lastEmittedUs >= updateIntervalUs
      ) {
        entry.lastEmittedUs = nowUs;
        this.#emit("updated", entry);
      }
    }
  }

  /** Releases every active alert (end of a replay or a stopped capture). */
  releaseAll(nowUs: number): void {
    for (const [id, entry] of this.#active.entries()) {
      this.#active.delete(id);
      this.#release(id, entry, nowUs);
    }
  }

  /** Snapshots of the alerts in the history (engaged, updated or released), oldest first (one taken back after its severity rose counts as newest). */
  alerts(): Alert[] {
    return this.#history.map(snapshot);
  }

  /** Counts of every alert engaged so far (a copy), beyond what the history holds. */
  tally(): AlertTally {
    const { bySeverity, byKind } = this.#tally;
    return {
      total: this.#engaged,
      bySeverity: { ...bySeverity },
      byKind: { ...byKind },
    };
  }

  /** Alerts engaged so far, also those the history has forgotten. */
  get engagedCount(): number {
    return this.#engaged;
  }

  /** Snapshots of the alerts not yet released. */
  activeAlerts(): Alert[] {
    return [...this.#active.values()].map((entry) => snapshot(entry.alert));
  }

  /** Counters: findings seen, alerts engaged, findings dropped by allowlists. */
  counters(): { findings: number; engaged: number; allowlisted: number } {
    return {
      findings: this.#findings,
      engaged: this.#engaged,
      allowlisted: this.#allowlisted,
    };
  }

  /** Sizes of the active and recently released alert tables. */
  tables(): Record<string, TableStats> {
    return {
      active_alerts: this.#active.stats(),
      released_alerts: this.#released.stats(),
    };
  }

  #isAllowed(finding: Finding): boolean {
    const lists = [this.#global, this.#perKind.get(finding.kind)];
    for (const list of lists) {
      if (!list) continue;
      if (finding.attacker !== "" && list.cidrs.has(finding.attacker)) {
        return true;
      }
      if (finding.victim !== "" && list.cidrs.has(finding.victim)) return true;
      if (domainMatches(finding.domain, list.domains)) return true;
    }
    return false;
  }

  #merge(entry: ActiveAlert, finding: Finding): void {
    const rose = SEVERITY_ORDER[finding.severity] >
      SEVERITY_ORDER[entry.alert.severity];
    this.#apply(entry.alert, finding);
    entry.dirty = true;
    if (
      rose ||
      entry.alert.mitre.id !== entry.emittedTechnique ||
      finding.timestampUs - entry.lastEmittedUs >=
        this.#options.updateIntervalUs
    ) {
      entry.lastEmittedUs = finding.timestampUs;
      this.#emit("updated", entry);
    }
  }

  /**
   * Adds `alert` to the history as its newest; a full history then drops
   * the oldest alert of the lowest severity it holds, so that a burst of
   * low alerts (a thousand small ARP scans) cannot push an earlier critical
   * one out of the list, the report and its slice.
   */
  #remember(alert: Alert): void {
    const history = this.#history;
    history.push(alert);
    if (history.length <= this.#options.maxHistory) return;
    let lowest = 0;
    for (let i = 1; i < history.length; i++) {
      if (
        SEVERITY_ORDER[history[i]!.severity] <
          SEVERITY_ORDER[history[lowest]!.severity]
      ) lowest = i;
    }
    history.splice(lowest, 1);
  }

  #apply(alert: Alert, finding: Finding): void {
    if (SEVERITY_ORDER[finding.severity] > SEVERITY_ORDER[alert.severity]) {
      const bySeverity = this.#tally.bySeverity;
      bySeverity[alert.severity] = (bySeverity[alert.severity] ?? 1) - 1;
      bySeverity[finding.severity] = (bySeverity[finding.severity] ?? 0) + 1;
      alert.severity = finding.severity;
      // Forgotten by a full history at its lower severity: back in it.
      if (!this.#history.includes(alert)) this.#remember(alert);
    }
    alert.summary = finding.summary;
    alert.lastSeenUs = Math.max(alert.lastSeenUs, finding.timestampUs);
    alert.firstSeenUs = Math.min(alert.firstSeenUs, startOf(finding));
    alert.findings++;
    alert.evidence = keepingPeaks(alert.evidence, finding.evidence);
    if (finding.mitre !== undefined) alert.mitre = { ...finding.mitre };
    if (alert.attacker === "" && finding.attacker !== "") {
      alert.attacker = finding.attacker;
    }
    // The victim the summary and evidence speak of: a detector keeps it
    // stable within an incident, and a reopened alert (the same attacker's
    // next scan) names its new one.
    if (finding.victim !== "") alert.victim = finding.victim;
  }

  #release(id: string, entry: ActiveAlert, nowUs: number): void {
    this.#released.set(id, { alert: entry.alert, releasedUs: nowUs });
    entry.alert.state = "released";
    this.#onEvent({ type: "released", alert: snapshot(entry.alert) });
  }

  #emit(
    type: "engaged" | "updated",
    entry: ActiveAlert,
    reopened = false,
  ): void {
    const { alert } = entry;
    alert.state = type;
    entry.dirty = false;
    const from = entry.emittedSeverity;
    entry.emittedSeverity = alert.severity;
    const technique = entry.emittedTechnique;
    entry.emittedTechnique = alert.mitre.id;
    const event: AlertEvent = { type, alert: snapshot(alert) };
    if (SEVERITY_ORDER[alert.severity] > SEVERITY_ORDER[from]) {
      event.escalatedFrom = from;
    }
    if (type === "updated" && alert.mitre.id !== technique) {
      event.reclassifiedFrom = technique;
    }
    if (reopened) event.reopened = true;
    this.#onEvent(event);
  }
}

/**
 * A finding's evidence, with each number named `peak…` kept at its largest
 * over the alert: an incident's later burst, whose detector state started
 * afresh (a SYN flood paused long enough for its port to expire), must not
 * lower the peak the alert already reported.
 */
function keepingPeaks(
  held: Record<string, EvidenceValue>,
  next: Record<string, EvidenceValue>,
): Record<string, EvidenceValue> {
  const evidence = { ...next };
  for (const key in held) {
    const was = held[key];
    const now = evidence[key];
    if (
      key.startsWith("peak") && typeof was === "number" &&
      typeof now === "number" && was > now
    ) evidence[key] = was;
  }
  return evidence;
}
