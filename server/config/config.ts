/**
 * The config file (`--config netmirror.json`): read, validated against its
 * schema (errors name the field), merged with command-line flags, and turned
 * into the settings the engine and server take.
 *
 * @module
 */

import { Ajv, type ErrorObject } from "ajv";
import type { CaptureOutput } from "../../capture/live_capture.ts";
import type { AlertKind } from "../../detectors/alert.ts";
import { CidrSet } from "../../detectors/cidr.ts";
import { AnalysisEngine, type EngineConfig } from "../../detectors/engine.ts";
import type { EveEventType } from "../eve/mod.ts";
import { withoutOsError } from "../session_errors.ts";
import { buildConfigSchema } from "./config_schema.ts";

/** The config file's contents (every field optional). */
export interface NetMirrorConfig {
  $schema?: string;
  bind?: string;
  port?: number;
  token?: string;
  homeNet?: string[];
  dataDir?: string;
  /** Replays may read only files under this directory. */
  replayDir?: string;
  pcap?: { fileBytes?: number; sessionBytes?: number };
  packetRowsPerSecond?: number;
  /** Live capture: tcpdump's snap length (`-s`) and kernel buffer in KiB (`-B`). */
  capture?: { snapLength?: number; bufferKib?: number; output?: CaptureOutput };
  eve?: {
    path: string;
    rotateBytes?: number;
    keepFiles?: number;
    types?: EveEventType[];
  };
  detectors?: Omit<
    EngineConfig,
    "homeNet" | "lifecycle" | "latency" | "stats"
  >;
  alerts?: {
    releaseAfterUs?: number;
    updateIntervalUs?: number;
    suppressionUs?: number;
    maxActive?: number;
    maxHistory?: number;
    allowlist?: {
      cidrs?: string[];
      domains?: string[];
      perKind?: Partial<
        Record<AlertKind, { cidrs?: string[]; domains?: string[] }>
      >;
    };
  };
}

/** A config file NetMirror cannot use; the message names the file and field. */
export class ConfigError extends Error {
  /** An error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

let compiled: ReturnType<Ajv["compile"]> | undefined;

function validator(): ReturnType<Ajv["compile"]> {
  compiled ??= new Ajv({ allErrors: true, strict: false, useDefaults: false })
    .compile(buildConfigSchema());
  return compiled;
}

function describeError(error: ErrorObject): string {
  const field = error.instancePath.replace(/^\//, "").replaceAll("/", ".") ||
    "(top level)";
  if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty: string })
      .additionalProperty;
    const where = field === "(top level)" ? "" : ` in "${field}"`;
    return `unknown field "${extra}"${where}`;
  }
  if (error.keyword === "enum") {
    const allowed = (error.params as { allowedValues: unknown[] })
      .allowedValues.map((value) => JSON.stringify(value)).join(", ");
    return `field "${field}" must be one of ${allowed}`;
  }
  return `field "${field}" ${error.message}`;
}

/** The dotted path of the first number in `value` that is not finite (JSON's 1e400 parses as Infinity, which the schema's checks let by), or undefined. */
function nonFiniteField(value: unknown, path: string): string | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : path || "(top level)";
  }
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFiniteField(item, path === "" ? key : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Checks `value` against the schema and the things a schema cannot say
 * (CIDRs parse, the detectors accept their settings). Throws
 * {@linkcode ConfigError} naming `source` and the field or detector.
 */
export function validateConfig(
  value: unknown,
  source: string,
): NetMirrorConfig {
  const infinite = nonFiniteField(value, "");
  if (infinite !== undefined) {
    throw new ConfigError(
      `${source}: field "${infinite}" is too large a number`,
    );
  }
  const validate = validator();
  if (!validate(value)) {
    const errors = (validate.errors ?? []).map(describeError);
    throw new ConfigError(`${source}: ${errors.slice(0, 3).join("; ")}`);
  }
  const config = value as NetMirrorConfig;
  const cidrLists: [string, string[] | undefined][] = [
    ["homeNet", config.homeNet],
    ["alerts.allowlist.cidrs", config.alerts?.allowlist?.cidrs],
    ...Object.entries(config.alerts?.allowlist?.perKind ?? {}).map((
      [kind, entries],
    ) =>
      [`alerts.allowlist.perKind.${kind}.cidrs`, entries?.cidrs] as [
        string,
        string[] | undefined,
      ]
    ),
  ];
  for (const [field, cidrs] of cidrLists) {
    if (!cidrs) continue;
    try {
      new CidrSet(cidrs);
    } catch (error) {
      throw new ConfigError(
        `${source}: field "${field}": ${(error as Error).message}`,
      );
    }
  }
  // What the schema cannot say (a capacity of 0, a ratio above 1, …) the
  // detectors check when they are built: build them once here.
  try {
    new AnalysisEngine(engineConfigOf(config));
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) {
      throw error;
    }
    throw new ConfigError(
      `${source}: ${
        fieldOfDetectorError(config, error.message)
      }${error.message}`,
    );
  }
  return config;
}

/**
 * `field "detectors.synFlood.halfOpenThreshold": ` for a detector's
 * complaint about one of its options ("Cannot create SYN flood detector:
 * halfOpenThreshold must be positive, got 0"), when the file sets that
 * option in one detector's section; "" otherwise.
 */
function fieldOfDetectorError(
  config: NetMirrorConfig,
  message: string,
): string {
  const option = /: (\w+) /.exec(message)?.[1];
  if (option === undefined) return "";
  const sections = Object.entries(config.detectors ?? {}).filter((
    [, options],
  ) => options !== undefined && Object.hasOwn(options, option));
  return sections.length === 1
    ? `field "detectors.${sections[0]![0]}.${option}": `
    : "";
}

/** Reads and validates a config file. */
export async function loadConfig(path: string): Promise<NetMirrorConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(
      `Cannot read config ${JSON.stringify(path)}: ${
        withoutOsError((error as Error).message)
      }`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${path}: bad JSON: ${(error as Error).message}`,
    );
  }
  return validateConfig(value, path);
}

/** Values from command-line flags; undefined means "not given". */
export type ConfigOverrides = {
  [K in keyof NetMirrorConfig]?: NetMirrorConfig[K] | undefined;
};

/** `base` with every field of `overrides` that is set (flags over the file). */
export function mergeConfig(
  base: NetMirrorConfig,
  overrides: ConfigOverrides,
): NetMirrorConfig {
  const out: NetMirrorConfig = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** The engine settings of a config. */
export function engineConfigOf(config: NetMirrorConfig): EngineConfig {
  const { allowlist, ...lifecycle } = config.alerts ?? {};
  return {
    ...config.detectors,
    ...(config.homeNet ? { homeNet: config.homeNet } : {}),
    lifecycle: { ...lifecycle, ...(allowlist ? { allowlist } : {}) },
  };
}
