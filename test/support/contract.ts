import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/*
 * Every answer an integration test gets from the API is checked against the OpenAPI document the
 * same stack serves at GET /openapi.json: an undocumented status or a body that does not match its
 * schema fails the test that saw it, so the document cannot drift from the code.
 */

type Json = Record<string, unknown>;
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: Json }> }> };

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const documents = new Map<string, Promise<Contract>>();

/** The document a stack at `baseUrl` serves, fetched and compiled once. */
export function contractOf(baseUrl: string): Promise<Contract> {
  let contract = documents.get(baseUrl);
  if (!contract) {
    contract = fetch(`${baseUrl}/openapi.json`).then(async (response) => {
      if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
      return new Contract((await response.json()) as Json);
    });
    documents.set(baseUrl, contract);
  }
  return contract;
}

export class Contract {
  readonly #ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #paths: { template: string; pattern: RegExp }[];

  constructor(readonly document: Json) {
    const components = (document.components as Json | undefined)?.schemas as Json | undefined;
    // Component schemas become ajv schemas, so `#/components/schemas/X` refs resolve.
    this.#ajv.addSchema({ $id: 'openapi', components: { schemas: components ?? {} } });
    this.#paths = Object.keys((document.paths as Json) ?? {}).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The operation for a request, or undefined when the document has none (e.g. /_local/...). */
  operation(method: string, url: string): { key: string; operation: Operation } | undefined {
    const path = new URL(url, 'http://x').pathname.replace(/\/+$/, '') || '/';
    const found = this.#paths.find((p) => p.pattern.test(path));
    if (!found) return undefined;
    const item = (this.document.paths as Record<string, Record<string, Operation>>)[found.template];
    const operation = item?.[method.toLowerCase()];
    return operation ? { key: `${method.toUpperCase()} ${found.template}`, operation } : undefined;
  }

  /** Problems with one answer (empty when it matches the document). */
  check(method: string, url: string, status: number, body: unknown): string[] {
    const found = this.operation(method, url);
    if (!found) return [];
    const responses = found.operation.responses ?? {};
    const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
    if (!response) return [`${found.key}: status ${status} is not in the document`];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return [];
    const cacheKey = `${found.key} ${status}`;
    let validate = this.#compiled.get(cacheKey);
    if (!validate) {
      validate = this.#ajv.compile(rebase(schema));
      this.#compiled.set(cacheKey, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${found.key} ${status}: body${e.instancePath} ${e.message ?? 'is invalid'}`,
    );
  }
}

/** `#/components/...` inside an operation means the document's components: point at them. */
function rebase(schema: unknown): Json {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"$ref":"#/components/', '"$ref":"openapi#/components/'),
  ) as Json;
}
