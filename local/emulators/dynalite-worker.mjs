// Runs dynalite on its own thread: DynamoDB emulation is the busiest part of the local stack,
// and on a 2-core machine it would otherwise share one event loop with every handler.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
cacheExpressionParses();

// Tables become ACTIVE on the next tick instead of after dynalite's default 500 ms.
// With a path, dynalite keeps its tables in LevelDB there (npm start's .herald/data).
const server = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  ...(workerData.path ? { path: workerData.path } : {}),
});
server.on('error', (error) => parentPort?.postMessage({ error: String(error) }));
server.listen(workerData.port, workerData.host, () => {
  parentPort?.postMessage({ port: server.address().port });
});

/**
 * dynalite parses every Update/Condition expression with a PEG parser, which was over a third of
 * its CPU time; Herald sends the same few expressions with different values. A parse is reused
 * when the expression, the names and the type of each value are the same: the cached tree gets
 * this request's value objects put back in its slots, and the names and values it uses are marked
 * used, as the parser does. Failed parses are not cached (the parser throws or returns errors the
 * caller reports). BETWEEN and attribute_type also check value contents: always parsed.
 */
function cacheExpressionParses() {
  const SLOT = Symbol('value');
  const DEBUG = process.env.HERALD_DYNALITE_PARSE_CHECK === '1';
  for (const name of ['conditionParser', 'updateParser']) {
    const parser = require(`dynalite/db/${name}`);
    const parse = parser.parse;
    const cache = new Map();
    parser.parse = (expression, options) => {
      const context = options.context;
      if (/between|attribute_type/i.test(expression)) return parse(expression, options);
      const vals = context.attrVals ?? {};
      const key = JSON.stringify([
        expression,
        Boolean(context.isKeyCondition),
        context.attrNames ?? null,
        Object.entries(vals).map(([k, v]) => [k, Object.keys(v ?? {})]),
      ]);
      const hit = cache.get(key);
      if (hit) {
        for (const n of hit.usedNames) delete context.unusedAttrNames?.[n];
        for (const v of hit.usedVals) delete context.unusedAttrVals?.[v];
        const tree = copy(hit.template, (node) => (SLOT in node ? vals[node[SLOT]] : undefined));
        if (DEBUG) {
          const fresh = JSON.stringify(parse(expression, options));
          if (fresh !== JSON.stringify(tree)) {
            console.error(`[dynalite] parse cache mismatch: ${expression}`);
          }
        }
        return tree;
      }
      const namesBefore = Object.keys(context.unusedAttrNames ?? {});
      const valsBefore = Object.keys(context.unusedAttrVals ?? {});
      const tree = parse(expression, options);
      if (cache.size < 1000) {
        const slots = new Map(Object.entries(vals).map(([k, v]) => [v, k]));
        cache.set(key, {
          template: copy(tree, (node) =>
            slots.has(node) ? { [SLOT]: slots.get(node) } : undefined,
          ),
          usedNames: namesBefore.filter((n) => !(n in (context.unusedAttrNames ?? {}))),
          usedVals: valsBefore.filter((v) => !(v in (context.unusedAttrVals ?? {}))),
        });
      }
      return tree;
    };
  }
}

/** Deep copy of plain objects and arrays; `replace` returning a value stops at that node. */
function copy(node, replace) {
  if (node === null || typeof node !== 'object') return node;
  const replaced = replace(node);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(node)) return node.map((n) => copy(n, replace));
  const result = {};
  for (const k of Object.keys(node)) result[k] = copy(node[k], replace);
  return result;
}
