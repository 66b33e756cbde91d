/**
 * The configuration `read` and `capture` run with, and the EVE output the
 * commands open from it.
 *
 * @module
 */

import {
  loadConfig,
  mergeConfig,
  type NetMirrorConfig,
} from "../config/config.ts";
import { withSchemaDefaults } from "../config/config_schema.ts";
import { EveLogger, EveWriter } from "../eve/mod.ts";
import { cidrList, nonEmpty, writeLine } from "./args.ts";

/** The flags of `read` and `capture` that shape their configuration. */
export interface ConfigFlags {
  config?: string | undefined;
  "home-net"?: string[] | undefined;
  eve?: string | undefined;
}

/**
 * The config file named by `--config` (none: every default) with
 * `--home-net` over it, and where EVE goes: `--eve` over the file's
 * `eve.path`, as for `serve` (undefined: nowhere).
 */
export async function commandConfig(
  flags: ConfigFlags,
): Promise<{ config: NetMirrorConfig; evePath: string | undefined }> {
  nonEmpty("--config", flags.config);
  nonEmpty("--eve", flags.eve);
  const fileConfig = flags.config !== undefined
    ? await loadConfig(flags.config)
    : {};
  const config = mergeConfig(fileConfig, {
    homeNet: cidrList("--home-net", flags["home-net"]),
  });
  return { config, evePath: flags.eve ?? config.eve?.path };
}

/**
 * The EVE writer for `path` (rotated as the config's `eve` says) and a
 * logger writing the config's record types into it, naming `iface` when
 * given; undefined without a path.
 */
export function openEve(
  path: string | undefined,
  config: NetMirrorConfig,
  iface?: string,
): { writer: EveWriter; logger: EveLogger } | undefined {
  if (path === undefined) return undefined;
  const writer = new EveWriter(path, config.eve ?? {});
  return { writer, logger: newEveLogger(writer, config, iface) };
}

/** A logger writing `config`'s EVE record types into `writer` (`iface` as `in_iface`). */
export function newEveLogger(
  writer: EveWriter,
  config: NetMirrorConfig,
  iface?: string,
): EveLogger {
  return new EveLogger(writer, {
    ...(iface !== undefined ? { iface } : {}),
    ...(config.eve?.types ? { types: config.eve.types } : {}),
  });
}

/** Prints `config` as the commands run with it (every default filled in; EVE to `evePath` when given), for `--print-config`. */
export async function printConfig(
  config: NetMirrorConfig,
  evePath?: string,
): Promise<void> {
  const effective = evePath === undefined
    ? config
    : { ...config, eve: { ...config.eve, path: evePath } };
  await writeLine(
    JSON.stringify(withSchemaDefaults({ ...effective }), null, 2),
  );
}
