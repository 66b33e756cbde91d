/**
 * Writes `netmirror.schema.json` (the published config schema) from
 * {@linkcode buildConfigSchema}. Run with `deno task config-schema`.
 *
 * @module
 */

import { buildConfigSchema } from "./config_schema.ts";

/** The published schema's text: the built schema, pretty-printed. */
export function configSchemaText(): string {
  return JSON.stringify(buildConfigSchema(), null, 2) + "\n";
}

if (import.meta.main) {
  const path = new URL("./netmirror.schema.json", import.meta.url);
  await Deno.writeTextFile(path, configSchemaText());
  console.log(`wrote ${path.pathname}`);
}
