import { MODERN, envelope } from './modern.js';

/** A reproducible pseudo-random source (mulberry32): the same seed gives the same requests on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Caller = 'demo-reader' | 'demo-writer' | 'demo-admin';

/**
 * Which path a generated request must take: `direct` (a well-formed exchange the direct
 * path serves), `sdk` (the SDK's handler answers: a ladder refusal, a method or shape the
 * direct path leaves to it), `either` (a mutation whose outcome the generator does not
 * predict; the answers must still agree). Requests the endpoint answers before either
 * path (403 step-up, 415, 413) are `before`.
 */
export type ExpectedPath = 'direct' | 'sdk' | 'either' | 'before';

export interface GeneratedRequest {
  /** What was generated, for a failure message: the base exchange and the mutations applied. */
  readonly label: string;
  readonly caller: Caller;
  /** Raw header lines (name, value) in order: names may repeat and keep their case. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  readonly expected: ExpectedPath;
}

type Json = Record<string, any>;

interface Draft {
  label: string[];
  caller: Caller;
  method: string;
  id: unknown;
  /** Without `_meta`; the envelope is kept apart so mutations can change it. */
  params: Json | unknown;
  meta: Json | unknown;
  jsonrpc: unknown;
  headers: Array<[string, string]>;
  contentType: string;
  expected: ExpectedPath;
  /** The body's text when a mutation replaces the whole body. */
  rawBody?: string;
  /** Sent as a JSON-RPC batch: the message in an array, or an empty array. */
  batch?: 'wrap' | 'empty';
}

/** What each caller may do in the example's catalogue (demo-reader: User.Read; demo-writer: User.Read User.Write; demo-admin: everything). */
const MAY_WRITE: ReadonlySet<Caller> = new Set(['demo-writer', 'demo-admin']);

interface BaseExchange {
  readonly label: string;
  readonly method: string;
  readonly params: Json;
  /** The `Mcp-Name` a well-behaved client sends (tools/call, prompts/get, resources/read). */
  readonly name?: string;
  /** Whether the direct path serves it when nothing is mutated. */
  readonly direct: boolean;
  /** Callers the endpoint refuses before dispatch (403 step-up). */
  readonly refusedFor?: (caller: Caller) => boolean;
}

/**
 * Every method the example's catalogue serves, allowed, refused and unknown, and the ones
 * the direct path leaves to the SDK. No exchange changes the catalogue: both paths must see
 * the same data (a `create_product` that succeeded would differ in its new id).
 */
const EXCHANGES: readonly BaseExchange[] = [
  { label: 'tools/call whoami', method: 'tools/call', params: { name: 'whoami', arguments: {} }, name: 'whoami', direct: true },
  {
    label: 'tools/call list_products',
    method: 'tools/call',
    params: { name: 'list_products', arguments: {} },
    name: 'list_products',
    direct: true,
  },
  {
    label: 'tools/call list_products, no arguments member',
    method: 'tools/call',
    params: { name: 'list_products' },
    name: 'list_products',
    direct: true,
  },
  {
    label: 'tools/call create_product with invalid arguments',
    method: 'tools/call',
    params: { name: 'create_product', arguments: { name: '', price: -1 } },
    name: 'create_product',
    direct: true,
    refusedFor: (caller) => !MAY_WRITE.has(caller),
  },
  {
    label: 'tools/call delete_product of a missing product',
    method: 'tools/call',
    params: { name: 'delete_product', arguments: { id: 987654 } },
    name: 'delete_product',
    direct: true,
    refusedFor: (caller) => caller !== 'demo-admin',
  },
  {
    label: 'tools/call delete_product with a wrong argument type',
    method: 'tools/call',
    params: { name: 'delete_product', arguments: { id: 'x' } },
    name: 'delete_product',
    direct: true,
    refusedFor: (caller) => caller !== 'demo-admin',
  },
  {
    label: 'tools/call of an unknown tool',
    method: 'tools/call',
    params: { name: 'no_such_tool', arguments: {} },
    name: 'no_such_tool',
    direct: true,
  },
  { label: 'tools/call with a numeric name', method: 'tools/call', params: { name: 5, arguments: {} }, direct: true },
  { label: 'tools/list', method: 'tools/list', params: {}, direct: true },
  { label: 'tools/list with a cursor', method: 'tools/list', params: { cursor: 'abc' }, direct: true },
  { label: 'resources/list', method: 'resources/list', params: {}, direct: true },
  { label: 'resources/templates/list', method: 'resources/templates/list', params: {}, direct: true },
  {
    label: 'resources/read catalog',
    method: 'resources/read',
    params: { uri: 'products://catalog' },
    name: 'products://catalog',
    direct: true,
  },
  {
    label: 'resources/read an item',
    method: 'resources/read',
    params: { uri: 'products://items/1' },
    name: 'products://items/1',
    direct: true,
  },
  {
    label: 'resources/read a bad item id',
    method: 'resources/read',
    params: { uri: 'products://items/abc' },
    name: 'products://items/abc',
    direct: true,
  },
  {
    label: 'resources/read an unknown resource',
    method: 'resources/read',
    params: { uri: 'nowhere://x' },
    name: 'nowhere://x',
    direct: true,
  },
  { label: 'prompts/list', method: 'prompts/list', params: {}, direct: true },
  {
    label: 'prompts/get product_description',
    method: 'prompts/get',
    params: { name: 'product_description', arguments: { id: '1' } },
    name: 'product_description',
    direct: true,
    refusedFor: (caller) => !MAY_WRITE.has(caller),
  },
  { label: 'prompts/get of an unknown prompt', method: 'prompts/get', params: { name: 'nope' }, name: 'nope', direct: true },
  {
    label: 'completion/complete',
    method: 'completion/complete',
    params: { ref: { type: 'ref/prompt', name: 'product_description' }, argument: { name: 'id', value: '1' } },
    direct: true,
  },
  { label: 'server/discover', method: 'server/discover', params: {}, direct: true },
  { label: 'ping', method: 'ping', params: {}, direct: true },
  { label: 'an unknown method', method: 'no/such_method', params: {}, direct: false },
  { label: 'initialize with a modern claim', method: 'initialize', params: {}, direct: false },
  { label: 'logging/setLevel', method: 'logging/setLevel', params: { level: 'info' }, direct: false },
  { label: 'resources/subscribe', method: 'resources/subscribe', params: { uri: 'products://catalog' }, direct: false },
  { label: 'tasks/get', method: 'tasks/get', params: { taskId: 't-1' }, name: 't-1', direct: false },
];

const CALLERS: readonly Caller[] = ['demo-reader', 'demo-writer', 'demo-admin'];

/** A mutation: changes the draft and says what it does to the expected path. */
type Mutation = (draft: Draft, pick: Picker) => void;

interface Picker {
  int(max: number): number;
  one<T>(values: readonly T[]): T;
  chance(p: number): boolean;
}

const sdk = (draft: Draft) => {
  if (draft.expected !== 'before') draft.expected = 'sdk';
};
const either = (draft: Draft) => {
  if (draft.expected === 'direct') draft.expected = 'either';
};

/** The envelope to mutate; a throwaway object once an earlier mutation replaced it with something else. */
function metaOf(draft: Draft): Json {
  return isObject(draft.meta) ? draft.meta : {};
}

function setHeader(draft: Draft, name: string, value: string | undefined): void {
  draft.headers = draft.headers.filter(([header]) => header.toLowerCase() !== name);
  if (value !== undefined) draft.headers.push([name, value]);
}

function headerValue(draft: Draft, name: string): string | undefined {
  return draft.headers.find(([header]) => header.toLowerCase() === name)?.[1];
}

function base64Of(value: string): string {
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The mutations of the envelope, the id and the headers (the list), each with its effect on the path. */
const MUTATIONS: ReadonlyArray<readonly [string, Mutation]> = [
  // headers: missing
  ['no MCP-Protocol-Version', (d) => (setHeader(d, 'mcp-protocol-version', undefined), sdk(d))],
  ['no Mcp-Method', (d) => (setHeader(d, 'mcp-method', undefined), sdk(d))],
  [
    'no Mcp-Name',
    (d) => {
      if (bodyNameOf(d) !== undefined) sdk(d);
      setHeader(d, 'mcp-name', undefined);
    },
  ],
  // headers: disagreeing
  ['Mcp-Method names another method', (d) => (setHeader(d, 'mcp-method', d.method === 'tools/list' ? 'tools/call' : 'tools/list'), sdk(d))],
  ['Mcp-Method in upper case', (d) => (setHeader(d, 'mcp-method', d.method.toUpperCase()), sdk(d))],
  [
    'Mcp-Name names something else',
    (d) => {
      setHeader(d, 'mcp-name', 'something_else');
      if (d.expected === 'direct' && bodyNameOf(d) !== undefined) sdk(d);
      else either(d);
    },
  ],
  ['MCP-Protocol-Version names 2025-11-25', (d) => (setHeader(d, 'mcp-protocol-version', '2025-11-25'), sdk(d))],
  ['MCP-Protocol-Version names a future revision', (d) => (setHeader(d, 'mcp-protocol-version', '2099-01-01'), sdk(d))],
  // headers: duplicated (Node joins repeated lines with ", ")
  ['MCP-Protocol-Version twice', (d) => (d.headers.push(['mcp-protocol-version', MODERN]), sdk(d))],
  ['Mcp-Method twice', (d) => (d.headers.push(['Mcp-Method', d.method]), sdk(d))],
  [
    'Mcp-Name twice',
    (d) => {
      const name = headerValue(d, 'mcp-name');
      d.headers.push(['Mcp-Name', name ?? 'x']);
      if (bodyNameOf(d) !== undefined) sdk(d);
      else either(d);
    },
  ],
  // headers: case and whitespace the protocol ignores
  ['header names in odd case', (d) => (d.headers = d.headers.map(([name, value]) => [oddCase(name), value]))],
  [
    'optional whitespace around Mcp-Name',
    (d) => {
      const name = headerValue(d, 'mcp-name');
      if (name !== undefined)
        d.headers = d.headers.map(([header, value]) => [header, header.toLowerCase() === 'mcp-name' ? `\t${value} ` : value]);
    },
  ],
  // headers: Base64 Mcp-Name (valid, invalid, and not a sentinel at all)
  [
    'Base64 Mcp-Name',
    (d) => {
      const name = headerValue(d, 'mcp-name');
      if (name === undefined) return;
      setHeader(d, 'mcp-name', base64Of(name));
      sdk(d); // the direct path leaves encoded names to the SDK's decoder
    },
  ],
  [
    'Base64 Mcp-Name that is not canonical Base64',
    (d) => {
      if (headerValue(d, 'mcp-name') === undefined) return;
      setHeader(d, 'mcp-name', '=?base64?@@not-base64@@?=');
      sdk(d);
    },
  ],
  [
    'Base64 Mcp-Name of invalid UTF-8',
    (d) => {
      if (headerValue(d, 'mcp-name') === undefined) return;
      setHeader(d, 'mcp-name', `=?base64?${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64')}?=`);
      sdk(d);
    },
  ],
  // the envelope: missing, bad types, unsupported revisions, unknown capabilities
  ['no _meta', (d) => ((d.meta = undefined), sdk(d))],
  ['_meta is a string', (d) => ((d.meta = 'meta'), sdk(d))],
  ['_meta is an array', (d) => ((d.meta = [1]), sdk(d))],
  ['no protocol version claim', (d) => (delete metaOf(d)['io.modelcontextprotocol/protocolVersion'], sdk(d))],
  ['protocol version claim is a number', (d) => ((metaOf(d)['io.modelcontextprotocol/protocolVersion'] = 20260728), sdk(d))],
  ['claim names 2025-06-18', (d) => ((metaOf(d)['io.modelcontextprotocol/protocolVersion'] = '2025-06-18'), sdk(d))],
  [
    'claim and header name an unsupported revision',
    (d) => {
      metaOf(d)['io.modelcontextprotocol/protocolVersion'] = '2099-01-01';
      setHeader(d, 'mcp-protocol-version', '2099-01-01');
      sdk(d);
    },
  ],
  ['no clientInfo', (d) => (delete metaOf(d)['io.modelcontextprotocol/clientInfo'], either(d))],
  ['clientInfo is a string', (d) => ((metaOf(d)['io.modelcontextprotocol/clientInfo'] = 'client'), either(d))],
  ['clientInfo without a version', (d) => ((metaOf(d)['io.modelcontextprotocol/clientInfo'] = { name: 'x' }), either(d))],
  ['no clientCapabilities', (d) => (delete metaOf(d)['io.modelcontextprotocol/clientCapabilities'], either(d))],
  ['clientCapabilities is an array', (d) => ((metaOf(d)['io.modelcontextprotocol/clientCapabilities'] = []), either(d))],
  [
    'unknown client capabilities',
    (d) => (metaOf(d)['io.modelcontextprotocol/clientCapabilities'] = { experimental: { x: {} }, somethingNew: { deep: true } }),
  ],
  [
    'declared elicitation and sampling',
    (d) => (metaOf(d)['io.modelcontextprotocol/clientCapabilities'] = { elicitation: { form: {} }, sampling: {} }),
  ],
  ['an extra vendor key in _meta', (d) => (metaOf(d)['com.example/trace'] = { span: 1 })],
  ['a log level in the envelope', (d) => ((metaOf(d)['io.modelcontextprotocol/logLevel'] = 'debug'), sdk(d))],
  ['a bad log level in the envelope', (d) => ((metaOf(d)['io.modelcontextprotocol/logLevel'] = 'loud'), sdk(d))],
  ['a progress token', (d) => ((metaOf(d).progressToken = 'p-1'), sdk(d))],
  ['multi-round-trip requestState', (d) => (isObject(d.params) ? ((d.params.requestState = 'opaque'), sdk(d)) : undefined)],
  ['multi-round-trip inputResponses', (d) => (isObject(d.params) ? ((d.params.inputResponses = {}), sdk(d)) : undefined)],
  // the message: odd ids, versions, params
  ['a string id', (d) => (d.id = 'req-' + d.id)],
  ['id 0', (d) => (d.id = 0)],
  ['a negative id', (d) => (d.id = -7)],
  ['a fractional id', (d) => ((d.id = 1.5), either(d))],
  ['a huge id', (d) => ((d.id = 2 ** 60), either(d))],
  ['id null', (d) => ((d.id = null), sdk(d))],
  ['id true', (d) => ((d.id = true), sdk(d))],
  ['id is an object', (d) => ((d.id = { n: 1 }), sdk(d))],
  ['no id (a notification)', (d) => ((d.id = undefined), sdk(d))],
  ['jsonrpc 1.0', (d) => ((d.jsonrpc = '1.0'), sdk(d))],
  ['params is an array', (d) => ((d.params = [1, 2]), sdk(d))],
  ['params is a string', (d) => ((d.params = 'p'), sdk(d))],
  // oversize values (within the body limit)
  ['a 20 kB string id', (d) => (d.id = 'i'.repeat(20_000))],
  [
    'a 50 kB tool argument',
    (d) => {
      if (isObject(d.params)) d.params.arguments = { name: 'n'.repeat(50_000), price: 1 };
      either(d);
    },
  ],
  [
    'a 10 kB name in body and header',
    (d) => {
      if (!isObject(d.params) || !NAMED.has(d.method)) return;
      // Another name: a call refused before dispatch may now be one of something unknown.
      if (d.expected !== 'sdk') d.expected = 'either';
      const long = 'x'.repeat(10_000);
      if (d.method === 'resources/read') d.params.uri = `products://items/${long}`;
      else d.params.name = long;
      setHeader(d, 'mcp-name', d.method === 'resources/read' ? `products://items/${long}` : long);
    },
  ],
  // the endpoint's own refusals, before either path
  ['Content-Type text/plain', (d) => ((d.contentType = 'text/plain'), (d.expected = 'before'))],
  ['Content-Type with a charset', (d) => (d.contentType = 'application/json; charset=utf-8')],
  ['an Mcp-Session-Id (ignored on this revision)', (d) => d.headers.push(['mcp-session-id', 'not-a-session'])],
  ['a body that is not JSON-RPC', (d) => ((d.rawBody = JSON.stringify({ hello: 'world' })), sdk(d))],
  ['a posted JSON-RPC response', (d) => ((d.rawBody = JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })), sdk(d))],
  // batches: the classifier refuses a modern element in one, and an empty one
  ['the request inside a batch', (d) => ((d.batch = 'wrap'), sdk(d))],
  ['an empty batch', (d) => ((d.batch = 'empty'), sdk(d))],
];

/** Methods whose body carries the name `Mcp-Name` mirrors. */
const NAMED: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/**
 * Mutations that change the same thing: at most one of each group per request, so that a
 * later one cannot undo an earlier one the expected path was derived from (a header removed,
 * then added again). Mutations not listed are their own group.
 */
const MUTATION_GROUPS: Readonly<Record<string, readonly string[]>> = {
  id: [
    'a string id',
    'id 0',
    'a negative id',
    'a fractional id',
    'a huge id',
    'id null',
    'id true',
    'id is an object',
    'no id (a notification)',
    'a 20 kB string id',
  ],
  'mcp-method': ['no Mcp-Method', 'Mcp-Method names another method', 'Mcp-Method in upper case', 'Mcp-Method twice'],
  'mcp-name': [
    'no Mcp-Name',
    'Mcp-Name names something else',
    'Mcp-Name twice',
    'optional whitespace around Mcp-Name',
    'Base64 Mcp-Name',
    'Base64 Mcp-Name that is not canonical Base64',
    'Base64 Mcp-Name of invalid UTF-8',
    'a 10 kB name in body and header',
  ],
  version: [
    'no MCP-Protocol-Version',
    'MCP-Protocol-Version names 2025-11-25',
    'MCP-Protocol-Version names a future revision',
    'MCP-Protocol-Version twice',
    'claim and header name an unsupported revision',
  ],
  claim: [
    'no _meta',
    '_meta is a string',
    '_meta is an array',
    'no protocol version claim',
    'protocol version claim is a number',
    'claim names 2025-06-18',
  ],
  params: [
    'params is an array',
    'params is a string',
    'multi-round-trip requestState',
    'multi-round-trip inputResponses',
    'a 50 kB tool argument',
  ],
  'content-type': ['Content-Type text/plain', 'Content-Type with a charset'],
  body: ['a body that is not JSON-RPC', 'a posted JSON-RPC response', 'the request inside a batch', 'an empty batch'],
};

function groupOf(label: string): string {
  for (const [group, labels] of Object.entries(MUTATION_GROUPS)) if (labels.includes(label)) return group;
  return label;
}

/** The name in the body that `Mcp-Name` must mirror, when the method has one and it is a string. */
function bodyNameOf(draft: Draft): string | undefined {
  if (!NAMED.has(draft.method) || !isObject(draft.params)) return undefined;
  const value = draft.params[draft.method === 'resources/read' ? 'uri' : 'name'];
  return typeof value === 'string' ? value : undefined;
}

function oddCase(name: string): string {
  return name
    .split('')
    .map((char, index) => (index % 2 === 0 ? char.toUpperCase() : char.toLowerCase()))
    .join('');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `count` requests from `seed`: a base exchange of the catalogue, a caller, then zero to
 * three mutations. About a quarter are sent unmutated, so the well-formed exchanges of every
 * method and caller are covered on every run.
 */
export function generateRequests(seed: number, count: number): GeneratedRequest[] {
  const random = seededRandom(seed);
  const pick: Picker = {
    int: (max) => Math.floor(random() * max),
    one: (values) => values[Math.floor(random() * values.length)],
    chance: (p) => random() < p,
  };
  const requests: GeneratedRequest[] = [];
  for (let index = 0; index < count; index++) {
    // Cycle through every exchange and caller first, then draw at random.
    const base = index < EXCHANGES.length * CALLERS.length ? EXCHANGES[index % EXCHANGES.length] : pick.one(EXCHANGES);
    const caller = index < EXCHANGES.length * CALLERS.length ? CALLERS[Math.floor(index / EXCHANGES.length)] : pick.one(CALLERS);
    const draft: Draft = {
      label: [base.label, `as ${caller}`],
      caller,
      method: base.method,
      id: 1 + pick.int(5),
      params: structuredClone(base.params),
      meta: envelope(),
      jsonrpc: '2.0',
      headers: [
        ['mcp-protocol-version', MODERN],
        ['mcp-method', base.method],
        ...(base.name === undefined ? [] : [['mcp-name', base.name] as [string, string]]),
      ],
      contentType: 'application/json',
      expected: base.refusedFor?.(caller) ? 'before' : base.direct ? 'direct' : 'sdk',
    };
    const mutations = index < EXCHANGES.length * CALLERS.length || pick.chance(0.25) ? 0 : 1 + pick.int(3);
    const groups = new Set<string>();
    for (let applied = 0; applied < mutations; applied++) {
      const [label, mutate] = pick.one(MUTATIONS);
      if (groups.has(groupOf(label))) continue;
      groups.add(groupOf(label));
      draft.label.push(label);
      mutate(draft, pick);
    }
    requests.push(finish(draft, base));
  }
  return requests;
}

function finish(draft: Draft, base: BaseExchange): GeneratedRequest {
  const params = isObject(draft.params) ? { ...draft.params, ...(draft.meta === undefined ? {} : { _meta: draft.meta }) } : draft.params;
  const message: Json = { jsonrpc: draft.jsonrpc, method: draft.method, params };
  if (draft.id !== undefined) message.id = draft.id;
  // A refusal before dispatch names the tool, prompt or resource of a well-formed call only.
  const expected = draft.expected === 'before' && base.refusedFor === undefined ? 'sdk' : draft.expected;
  return {
    label: draft.label.join(' · '),
    caller: draft.caller,
    headers: [['content-type', draft.contentType], ['accept', 'application/json, text/event-stream'], ...draft.headers],
    body: draft.rawBody ?? JSON.stringify(draft.batch === 'wrap' ? [message] : draft.batch === 'empty' ? [] : message),
    expected,
  };
}
