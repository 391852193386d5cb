// undici's package index loads everything it ships (fetch, WebSocket, caches, mocks, a SQLite cache
// store): about 19 MB of resident memory at start-up, a fifth of the probe's budget. We use only the
// Client, the Agent and the request API, so they are loaded directly and wired the way undici's own
// index wires them. undici has no "exports" map, so these paths are reachable; they are internal, which
// is why undici is pinned to an exact version in package.json (test/unit/util/undici.test.ts checks
// the wiring against the full package).

import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
const api = require('undici/lib/api/index.js') as object;
// undici/index.js does exactly this: every dispatcher gets request(), stream(), pipeline(), upgrade(), connect().
if (!('request' in Dispatcher.prototype)) Object.assign(Dispatcher.prototype, api);

export const Client = require('undici/lib/dispatcher/client.js') as typeof Undici.Client;
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export type Client = Undici.Client;
export type Pool = Undici.Pool;
export type Dispatcher = Undici.Dispatcher;
export type Agent = Undici.Agent;
export type ResponseData = Undici.Dispatcher.ResponseData;
