/*
 * `node:http` for the Lambda bundles, loaded through require() instead of an ES import.
 *
 * On Node 24 an ES import of `node:http` builds the module's ESM facade, which reads every export,
 * including the lazy WebSocket/CloseEvent/MessageEvent getters, and so loads all of undici: 9–20
 * ms of CPU on every cold start (measured on the authorizer, email and api bundles), for classes
 * Herald never uses. require() returns the same
 * module object without building a facade. lib/constructs/bundling.ts points `node:http` here;
 * `npm run bench -- bundles` measures the difference.
 */
import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('node:http');

export default http;
export const {
  _connectionListener,
  METHODS,
  STATUS_CODES,
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get,
  request,
  setMaxIdleHTTPParsers,
  maxHeaderSize,
  globalAgent,
} = http;
