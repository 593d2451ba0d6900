// Runs dynalite on its own thread: DynamoDB emulation is the busiest part of the local stack,
// and on a 2-core machine it would otherwise share one event loop with every handler.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
cacheExpressionParses();
if (workerData.stream) captureWrites(workerData.stream.keys);

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

/**
 * The local DynamoDB Stream (NEW_AND_OLD_IMAGES): every item write dynalite makes (PutItem,
 * UpdateItem, DeleteItem, and each item of a BatchWriteItem) is posted to the parent with the
 * item before and after it. dynalite holds a per-item lock from reading the old item until its
 * write completes, and the record is posted inside that lock, so records of one item leave in
 * the order the writes were applied, as in a stream shard. A failed conditional write never
 * reaches the item store, so it makes no record; nor does a write that changes nothing.
 */
function captureWrites(keyNames) {
  const db = require('dynalite/db');
  const create = db.create;
  const wrapped = Symbol('stream');
  let sequence = 0;
  db.create = (options) => {
    const store = create(options);
    const getItemDb = store.getItemDb;
    store.getItemDb = (tableName) => {
      const itemDb = getItemDb(tableName);
      if (!itemDb[wrapped]) wrap(itemDb, tableName);
      return itemDb;
    };
    return store;
  };
  const emit = (tableName, oldImage, newImage) => {
    if (JSON.stringify(oldImage) === JSON.stringify(newImage)) return;
    const image = newImage ?? oldImage;
    const keys = Object.fromEntries(keyNames.filter((k) => image[k]).map((k) => [k, image[k]]));
    sequence += 1;
    parentPort?.postMessage({
      stream: {
        tableName,
        eventName: !oldImage ? 'INSERT' : !newImage ? 'REMOVE' : 'MODIFY',
        sequenceNumber: String(sequence).padStart(21, '0'),
        approximateCreationDateTime: Date.now() / 1000,
        keys,
        ...(oldImage && { oldImage: plain(oldImage) }),
        ...(newImage && { newImage: plain(newImage) }),
      },
    });
  };
  const wrap = (itemDb, tableName) => {
    itemDb[wrapped] = true;
    const { get, put, del } = itemDb;
    const before = (key, then) =>
      get.call(itemDb, key, (error, old) =>
        then(error && error.name !== 'NotFoundError' ? error : null, error ? undefined : old),
      );
    itemDb.put = (key, value, callback) =>
      before(key, (error, old) => {
        if (error) return callback(error);
        put.call(itemDb, key, value, (putError) => {
          if (!putError) emit(tableName, old, value);
          callback(putError);
        });
      });
    itemDb.del = (key, callback) =>
      before(key, (error, old) => {
        if (error) return callback(error);
        del.call(itemDb, key, (delError) => {
          if (!delError && old) emit(tableName, old, undefined);
          callback(delError);
        });
      });
  };
}

/** dynalite's items are null-prototype objects; structured clone wants plain ones. */
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}
