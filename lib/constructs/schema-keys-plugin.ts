import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * The AWS SDK's generated schema modules (`@aws-sdk/client-* /dist-es/schemas/schemas_N.js`)
 * write trait objects with computed keys naming a module constant: `const _h = "http"; … { [_h]:
 * ["PUT", "/v2/…", 200] }`. esbuild treats any computed key that is not a literal as a possible
 * side effect, so it keeps every such statement, and with it every operation of the service
 * (aws/aws-sdk-js-v3#7607, evanw/esbuild#4373; the generator's fix, smithy-typescript#1889, is not
 * released as of @aws-sdk 3.1178.0). For REST services that is most of the schema file: SES v2
 * carried all ~110 operations' schemas (47 KiB) into a sender that calls one.
 *
 * This plugin rewrites those keys to the string literals the constants hold (`{ "http": … }`) as
 * the file is loaded: the same object at run time, and esbuild then drops what nothing uses.
 * Only constants declared at the top of the same file as `const _x = "…";` are replaced; any
 * other computed key is left as written.
 */
export const SDK_SCHEMA_FILE =
  /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** `source` with each `[_name]:` key whose constant is a string literal written as that literal. */
export function literalSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm))
    if (match[1] && match[2]) constants.set(match[1], match[2]);
  return source.replace(/\[(_\w+)\]:/g, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

export const schemaKeysPlugin: Plugin = {
  name: 'herald-sdk-schema-keys',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_FILE }, async ({ path }) => ({
      contents: literalSchemaKeys(await readFile(path, 'utf8')),
      loader: 'js',
    }));
  },
};
