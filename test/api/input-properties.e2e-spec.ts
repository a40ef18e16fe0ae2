/**
 * Property-based tests of the api's input handling: every route that takes a body or a query is
 * sent requests built from valid values with one field replaced by a hostile one of a kind (text
 * with NUL bytes or unpaired surrogates, dates PostgreSQL cannot store, numbers it cannot take,
 * JSON nested thousands of levels deep, cursors holding such values), as an admin, an agent and a
 * requester. Whatever the answer, it is never a 5xx; every 4xx is application/problem+json; a
 * refused request leaves the tenant's rows as they were; and text holding NUL or an unpaired
 * surrogate is never accepted (PostgreSQL cannot store the one, and would store U+FFFD for the
 * other).
 *
 * Seeded and bounded: the seed is fixed and printed, so that a failure replays exactly.
 */
import fc from 'fast-check';
import request from 'supertest';
import {
  bearer,
  createTenant,
  createUser,
  dataSourceOf,
  RunningApp,
  startApi,
  TenantSnapshot,
  tenantSnapshot,
  TEST_PASSWORD,
  TestTenant,
  TestUser,
} from '@helpdesk/testing';
import { API_OVERRIDES, createTeam, newTicket } from './tickets-fixtures';

// Fixed; INPUT_PROPERTIES_SEED replays or explores another.
const SEED = Number(process.env.INPUT_PROPERTIES_SEED ?? 20261129);
const RUNS_PER_KIND = 120;

/** NUL characters and unpaired surrogates in text, far dates, huge and tiny numbers, deep JSON, bad cursors. */
type Kind = 'nul' | 'surrogate' | 'date' | 'number' | 'nesting' | 'cursor';
const KINDS: Kind[] = ['nul', 'surrogate', 'date', 'number', 'nesting', 'cursor'];
type Role = 'admin' | 'agent' | 'requester';
type Method = 'get' | 'post' | 'put' | 'patch';

// ---------------------------------------------------------------------------------------------
// Values that JSON.stringify cannot write as a hostile client would
// ---------------------------------------------------------------------------------------------

/** A JSON value nested `depth` levels deep, written as text (JSON.stringify would recurse as deep). */
class Deep {
  constructor(
    readonly depth: number,
    readonly shape: 'object' | 'array',
  ) {}
  toJson(): string {
    return this.shape === 'array' ? '['.repeat(this.depth) + ']'.repeat(this.depth) : '{"a":'.repeat(this.depth - 1) + '{}' + '}'.repeat(this.depth - 1);
  }
  [fc.toStringMethod](): string {
    return `Deep(${this.depth}, ${this.shape})`;
  }
}

/** A number as JSON text that no JavaScript number writes back (1e400, 30 digits). */
class Raw {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `Raw(${this.text})`;
  }
}

function toJson(value: unknown): string {
  if (value instanceof Deep) return value.toJson();
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}:${toJson(inner)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** Percent-encodes a query value; an unpaired surrogate goes as its WTF-8 bytes, as a raw client would send it. */
function encodeQueryValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(value[i]);
    }
  }
  return out;
}

function queryText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Deep) return value.toJson();
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];
const badCharacter = fc.constantFrom('\u0000', ...SURROGATES);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Normal text: ASCII, and any printable Unicode (well-formed, no NUL). */
const text = (minLength = 1, maxLength = 30) =>
  fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength, maxLength }), fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, 12) }));

/** Text with a NUL or an unpaired surrogate somewhere in it. */
const badText = fc.tuple(text(0, 8), badCharacter, text(0, 8)).map(([before, bad, after]) => before + bad + after);

const EXTREME_DATES = [
  '-271821-04-20',
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '-004714-11-23T00:00:00Z',
  '+294277-01-01T00:00:00Z',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '-000001-12-31T23:59:59Z',
  '300000-01-01',
  '+010000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '0001-01-01T00:00:00Z',
];
const hostileDate: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...EXTREME_DATES), weight: 3 },
  { arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), weight: 2 },
  { arbitrary: fc.integer({ min: -8.64e15, max: 8.64e15 }), weight: 1 },
  { arbitrary: fc.constantFrom(8.64e15 + 1, -8.64e15 - 1, 1e300), weight: 1 },
  { arbitrary: text(0, 12), weight: 1 },
);

/** Numbers past what PostgreSQL's integer and bigint columns take, and fractions that numeric(p, 4) rounds to 0 or 1. */
const HUGE_NUMBERS = [1e300, -1e300, Number.MAX_VALUE, 2 ** 70, -(2 ** 70), 2 ** 64, 2 ** 63, 1e21, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1];
const TINY_NUMBERS = [1e-300, 5e-324, 1e-10, 1e-5, 4e-5, 0.99999, 0.999999, -0, 0];
const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...HUGE_NUMBERS), weight: 2 },
  { arbitrary: fc.constantFrom(...TINY_NUMBERS), weight: 2 },
  { arbitrary: fc.constantFrom(new Raw('1e400'), new Raw('-1e400'), new Raw('123456789012345678901234567890'), new Raw('1e-400')), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
);

/** Integers no bigint holds, in the forms JSON writes them. */
const HUGE_INTEGERS = [1e300, Number.MAX_VALUE, 2 ** 70, 2 ** 64, 2 ** 63, 1e21, 2 ** 53 + 2, -1, 1.5, -(2 ** 70)];
const hugeInteger: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...HUGE_INTEGERS), weight: 4 },
  { arbitrary: fc.constantFrom(new Raw('123456789012345678901234567890'), new Raw('1e400'), new Raw('9223372036854775808')), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);

const b64 = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
/** Cursors mostly of the shape the route hands out ({seq} or {id}) holding what PostgreSQL cannot take, and garbage. */
const hostileCursor = (shape: 'seq' | 'id'): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: hugeInteger.map((n) => b64(`{"${shape}":${toJson(n)}}`)), weight: 6 },
    { arbitrary: hugeInteger.map((n) => b64(`{"${shape === 'seq' ? 'id' : 'seq'}":${toJson(n)}}`)), weight: 1 },
    { arbitrary: fc.uuid().map((id) => b64(JSON.stringify({ id }))), weight: 1 },
    { arbitrary: fc.nat().map((seq) => b64(JSON.stringify({ seq }))), weight: 1 },
    { arbitrary: text(0, 20).map((s) => b64(JSON.stringify({ [shape]: s }))), weight: 1 },
    { arbitrary: badText.map((s) => b64(JSON.stringify({ [shape]: s }))), weight: 1 },
    { arbitrary: badText, weight: 1 },
    { arbitrary: text(0, 40), weight: 1 },
  );

const depth = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 30, max: 100 }), fc.integer({ min: 3000, max: 8000 }));
const deep = fc.tuple(depth, fc.constantFrom<'object' | 'array'>('object', 'array')).map(([d, shape]) => new Deep(d, shape));

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

interface FieldSpec {
  valid: fc.Arbitrary<unknown>;
  kind: 'text' | 'date' | 'number' | 'json' | 'cursor' | 'other';
  required?: boolean;
  /** How a hostile string travels inside this field when it is not itself a string (a tag list, metadata). */
  carry?: (hostile: string) => unknown;
  /** A cursor's shape: the audit trail's {seq} or the lists' {id}. */
  shape?: 'seq' | 'id';
}

interface RouteSpec {
  name: string;
  method: Method;
  path: () => string;
  in: 'body' | 'query';
  fields: Record<string, FieldSpec>;
  /** Headers the request needs (If-Match), read just before it is sent. */
  headers?: () => Promise<Record<string, string>>;
}

interface Call {
  route: string;
  role: Role;
  method: Method;
  path: string;
  in: 'body' | 'query';
  payload: unknown;
  mutated: string;
  kind: Kind;
  /** A NUL or an unpaired surrogate reaches the api inside it: it must be refused. */
  mustRefuse: boolean;
}

interface Fixtures {
  tenant: TestTenant;
  agent: TestUser;
  requester: TestUser;
  victimUser: TestUser;
  team: string;
  victimTeam: string;
  victimRole: string;
  ticket: string;
}

const opt = (valid: fc.Arbitrary<unknown>, kind: FieldSpec['kind'], carry?: FieldSpec['carry']): FieldSpec => ({ valid, kind, carry });
const req = (valid: fc.Arbitrary<unknown>, kind: FieldSpec['kind'], carry?: FieldSpec['carry']): FieldSpec => ({ valid, kind, carry, required: true });

const roleName = fc.stringMatching(/^[a-z][a-z0-9_]{2,20}$/);
const email = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/), fc.constantFrom('example.test', 'mail.example.test'))
  .map(([local, domain]) => `${local}@${domain}`);
const futureDate = fc.integer({ min: 1, max: 3650 }).map((days) => new Date(Date.now() + days * 86_400_000).toISOString());
const pastDate = fc.integer({ min: 0, max: 3650 }).map((days) => new Date(Date.now() - days * 86_400_000).toISOString());
const metadata = fc.dictionary(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }), fc.oneof(text(0, 12), fc.integer(), fc.boolean()), {
  maxKeys: 3,
});
const carryInObject = (s: string) => ({ note: s, [s]: 1 });
const CALENDAR = { time_zone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '17:00' }] }, holidays: ['2026-12-25'] };

function routes(fx: Fixtures): RouteSpec[] {
  const ticketPath = `/api/v1/tickets/${fx.ticket}`;
  const limit = opt(fc.integer({ min: 1, max: 200 }), 'number');
  const page = {
    limit,
    cursor: {
      ...opt(
        fc.uuid().map((id) => b64(JSON.stringify({ id }))),
        'cursor',
      ),
      shape: 'id' as const,
    },
  };
  const userFields = {
    name: req(text(), 'text'),
    password: opt(text(12, 40), 'text'),
    role: req(fc.constantFrom('ops_agent', 'requester'), 'text'),
    team_ids: opt(fc.constant([fx.team]), 'other'),
    franchise_id: opt(text(0, 20), 'text'),
    region: opt(text(0, 20), 'text'),
    phone: opt(fc.constant('+15551234567'), 'text'),
    push_tokens: opt(fc.array(text(1, 20), { maxLength: 2 }), 'text', (s) => [s]),
    rate_limit: opt(fc.integer({ min: 1, max: 1000 }), 'number'),
  };
  const ticketList = {
    status: opt(fc.constantFrom('new', 'open', 'new,open'), 'other'),
    priority: opt(fc.constantFrom('low', 'medium,high'), 'other'),
    type: opt(fc.constantFrom('support', 'incident'), 'other'),
    sla_state: opt(fc.constantFrom('on_track', 'breached'), 'other'),
    assignee_id: opt(fc.constant(fx.agent.id), 'other'),
    team_id: opt(fc.constant(fx.team), 'other'),
    requester_id: opt(fc.constant(fx.requester.id), 'other'),
    owner_role: opt(text(1, 20), 'text'),
    tag: opt(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), 'text'),
    linked_type: opt(fc.constantFrom('payment', 'order'), 'text'),
    linked_id: opt(text(1, 20), 'text'),
    escalated: opt(fc.constantFrom('true', 'false'), 'other'),
    archived: opt(fc.constantFrom('true', 'false'), 'other'),
    created_after: opt(pastDate, 'date'),
    created_before: opt(futureDate, 'date'),
    due_before: opt(futureDate, 'date'),
    q: opt(text(1, 20), 'text'),
    sort: opt(fc.constantFrom('-created_at', 'priority', 'resolution_due_at'), 'other'),
    ...page,
  };
  return [
    {
      name: 'create ticket',
      method: 'post',
      path: () => '/api/v1/tickets',
      in: 'body',
      fields: {
        title: req(text(), 'text'),
        description: opt(text(0, 60), 'text'),
        type: req(fc.constantFrom('support', 'incident', 'bug'), 'other'),
        priority: req(fc.constantFrom('low', 'medium', 'high'), 'other'),
        source: opt(fc.constantFrom('api', 'email'), 'text'),
        source_id: opt(text(1, 20), 'text'),
        tags: opt(fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), { maxLength: 3 }), 'text', (s) => [s]),
        linked_type: opt(fc.constantFrom('payment', 'order'), 'text'),
        linked_id: opt(text(1, 20), 'text'),
        metadata: opt(metadata, 'json', carryInObject),
        requester_id: opt(fc.constant(fx.requester.id), 'other'),
        team_id: opt(fc.constant(fx.team), 'other'),
        franchise_id: opt(text(0, 20), 'text'),
        region: opt(text(0, 20), 'text'),
      },
    },
    {
      name: 'change ticket',
      method: 'patch',
      path: () => ticketPath,
      in: 'body',
      headers: async () => {
        const [{ version }] = await dataSourceOf(api).query('SELECT version FROM tickets WHERE id = $1', [fx.ticket]);
        return { 'if-match': `"${version}"` };
      },
      fields: {
        title: opt(text(), 'text'),
        description: opt(text(0, 60), 'text'),
        priority: opt(fc.constantFrom('low', 'medium', 'high'), 'other'),
        tags: opt(fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), { maxLength: 3 }), 'text', (s) => [s]),
        metadata: opt(metadata, 'json', carryInObject),
        status: opt(fc.constantFrom('open', 'in_progress', 'awaiting_customer'), 'other'),
        resolution_summary: opt(text(), 'text'),
      },
    },
    { name: 'list tickets', method: 'get', path: () => '/api/v1/tickets', in: 'query', fields: ticketList },
    {
      name: 'assign ticket',
      method: 'post',
      path: () => `${ticketPath}/assign`,
      in: 'body',
      fields: { assignee_id: opt(fc.constantFrom(fx.agent.id, null), 'other'), team_id: req(fc.constant(fx.team), 'other'), reason: req(text(), 'text') },
    },
    {
      name: 'post message',
      method: 'post',
      path: () => `${ticketPath}/messages`,
      in: 'body',
      fields: { body: req(text(1, 80), 'text'), internal: opt(fc.boolean(), 'other') },
    },
    { name: 'list messages', method: 'get', path: () => `${ticketPath}/messages`, in: 'query', fields: page },
    {
      name: 'add watcher',
      method: 'post',
      path: () => `${ticketPath}/watchers`,
      in: 'body',
      fields: {
        user_id: opt(fc.constantFrom(fx.agent.id, fx.requester.id), 'other'),
        notify_email: opt(fc.boolean(), 'other'),
        notify_sms: opt(fc.boolean(), 'other'),
      },
    },
    {
      name: 'change watcher',
      method: 'patch',
      path: () => `${ticketPath}/watchers/${fx.requester.id}`,
      in: 'body',
      fields: { notify_email: opt(fc.boolean(), 'other'), notify_push: opt(fc.boolean(), 'other'), notify_sms: opt(fc.boolean(), 'other') },
    },
    {
      name: 'escalate',
      method: 'post',
      path: () => `${ticketPath}/escalate`,
      in: 'body',
      fields: { reason: req(text(), 'text'), from_level: opt(fc.nat(3), 'number') },
    },
    { name: 'de-escalate', method: 'post', path: () => `${ticketPath}/escalation/de-escalate`, in: 'body', fields: { reason: req(text(), 'text') } },
    {
      name: 'audit trail',
      method: 'get',
      path: () => `${ticketPath}/audit`,
      in: 'query',
      fields: {
        limit,
        cursor: {
          ...opt(
            fc.nat(20).map((seq) => b64(JSON.stringify({ seq }))),
            'cursor',
          ),
          shape: 'seq',
        },
      },
    },
    {
      name: 'list escalations',
      method: 'get',
      path: () => '/api/v1/escalations',
      in: 'query',
      fields: {
        trigger: opt(fc.constantFrom('manual', 'resolution_breach'), 'other'),
        ticket_id: opt(fc.constant(fx.ticket), 'other'),
        since: opt(pastDate, 'date'),
        ...page,
      },
    },
    { name: 'create user', method: 'post', path: () => '/api/v1/admin/users', in: 'body', fields: { email: req(email, 'text'), ...userFields } },
    {
      name: 'change user',
      method: 'patch',
      path: () => `/api/v1/admin/users/${fx.victimUser.id}`,
      in: 'body',
      fields: {
        ...Object.fromEntries(Object.entries(userFields).map(([name, spec]) => [name, { ...spec, required: false }])),
        email: opt(email, 'text'),
        active: opt(fc.boolean(), 'other'),
      },
    },
    {
      name: 'list users',
      method: 'get',
      path: () => '/api/v1/admin/users',
      in: 'query',
      fields: {
        role: opt(fc.constantFrom('ops_agent', 'requester'), 'text'),
        team_id: opt(fc.constant(fx.team), 'other'),
        active: opt(fc.constantFrom('true', 'false'), 'other'),
        ...page,
      },
    },
    {
      name: 'create team',
      method: 'post',
      path: () => '/api/v1/admin/teams',
      in: 'body',
      fields: { name: req(text(), 'text'), description: opt(text(0, 60), 'text') },
    },
    {
      name: 'change team',
      method: 'patch',
      path: () => `/api/v1/admin/teams/${fx.victimTeam}`,
      in: 'body',
      fields: { name: opt(text(), 'text'), description: opt(text(0, 60), 'text') },
    },
    { name: 'list teams', method: 'get', path: () => '/api/v1/admin/teams', in: 'query', fields: page },
    {
      name: 'create role',
      method: 'post',
      path: () => '/api/v1/admin/roles',
      in: 'body',
      fields: {
        name: req(roleName, 'text'),
        description: opt(text(0, 60), 'text'),
        rules: req(
          fc.constantFrom([], [{ action: 'read', subject: 'Team' }], [{ action: 'read', subject: 'Ticket', conditions: { region: 'north' } }]),
          'json',
          (s) => [{ action: 'read', subject: 'Ticket', conditions: { region: s } }],
        ),
      },
    },
    {
      name: 'change role',
      method: 'patch',
      path: () => `/api/v1/admin/roles/${fx.victimRole}`,
      in: 'body',
      fields: {
        description: opt(text(0, 60), 'text'),
        rules: opt(fc.constantFrom([], [{ action: 'read', subject: 'Team' }]), 'json', (s) => [
          { action: 'read', subject: 'Ticket', conditions: { franchise_id: s } },
        ]),
      },
    },
    { name: 'list roles', method: 'get', path: () => '/api/v1/admin/roles', in: 'query', fields: page },
    {
      name: 'put SLA policy',
      method: 'put',
      path: () => '/api/v1/admin/sla-policies/low',
      in: 'body',
      fields: {
        first_response_minutes: req(fc.integer({ min: 1, max: 600 }), 'number'),
        resolution_minutes: req(fc.integer({ min: 600, max: 6000 }), 'number'),
        next_reply_minutes: opt(fc.constantFrom(30, 60, null), 'number'),
        near_breach_minutes: opt(fc.constantFrom(5, null), 'number'),
        reescalation_minutes: opt(fc.constantFrom(60, null), 'number'),
        near_breach_ratio: opt(fc.constantFrom(0.1, 0.2, 0.5), 'number'),
        escalation_chain: req(fc.constantFrom(['ops_agent', 'ops_manager'], ['ops_manager']), 'other'),
        business_hours: opt(fc.constantFrom(null, CALENDAR), 'json', (s) => ({ ...CALENDAR, time_zone: s })),
        pause_statuses: opt(fc.constantFrom([], ['awaiting_customer']), 'other'),
      },
    },
    {
      name: 'create API key',
      method: 'post',
      path: () => '/api/v1/admin/api-keys',
      in: 'body',
      fields: {
        name: req(text(), 'text'),
        role: req(fc.constantFrom('ops_agent', 'hq_support'), 'text'),
        scopes: req(fc.constantFrom(['tickets:read'], ['tickets:read', 'tickets:write']), 'other'),
        rate_limit: opt(fc.integer({ min: 1, max: 1000 }), 'number'),
        expires_at: opt(futureDate, 'date'),
      },
    },
    { name: 'list API keys', method: 'get', path: () => '/api/v1/admin/api-keys', in: 'query', fields: page },
    {
      name: 'log in',
      method: 'post',
      path: () => '/api/v1/auth/login',
      in: 'body',
      fields: {
        email: req(fc.oneof(fc.constantFrom(fx.tenant.adminEmail, fx.agent.email, fx.requester.email), email), 'text'),
        password: req(fc.oneof(fc.constant(TEST_PASSWORD), text(1, 20)), 'text'),
        tenant: opt(fc.constant(fx.tenant.slug), 'text'),
      },
    },
    {
      name: 'refresh',
      method: 'post',
      path: () => '/api/v1/auth/refresh',
      in: 'body',
      fields: { refresh_token: req(fc.string({ minLength: 10, maxLength: 60 }), 'text') },
    },
  ];
}

/**
 * Where a hostile value of `kind` goes in a route's request: `aimed` are the route's fields of that
 * kind; `targets` are those, or, for a route with none, any of its fields or one it does not know
 * (for nesting: any field, or the whole body, '$').
 */
function targetsOf(route: RouteSpec, kind: Kind): { aimed: string[]; targets: string[] } {
  const fields = Object.entries(route.fields);
  const aimed = fields
    .filter(([, spec]) => {
      switch (kind) {
        case 'nul':
        case 'surrogate':
          return spec.kind === 'text' || spec.carry !== undefined;
        case 'date':
          return spec.kind === 'date';
        case 'number':
          return spec.kind === 'number';
        case 'nesting':
          return spec.kind === 'json';
        case 'cursor':
          return spec.kind === 'cursor';
      }
    })
    .map(([name]) => name);
  if (kind === 'nesting') return { aimed, targets: [...aimed, '$', ...fields.map(([name]) => name)] };
  return { aimed, targets: aimed.length > 0 ? aimed : [...fields.map(([name]) => name), 'extra'] };
}

/** The hostile value for one field, and whether a NUL or an unpaired surrogate travels in it. */
function hostile(kind: Kind, spec: FieldSpec | undefined): fc.Arbitrary<{ value: unknown; bad: boolean }> {
  const plain = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value) => ({ value, bad: false }));
  switch (kind) {
    case 'nul':
    case 'surrogate': {
      const bad = kind === 'nul' ? fc.constant('\u0000') : fc.constantFrom(...SURROGATES);
      if (spec?.carry) return fc.tuple(text(0, 8), bad, text(0, 8)).map(([before, c, after]) => ({ value: spec.carry!(before + c + after), bad: true }));
      // Put the bad character inside a valid value, where validators that parse the text (emails) meet it.
      return fc.tuple(spec?.valid ?? text(), fc.nat(), bad).map(([valid, at, bad]) => {
        const base = typeof valid === 'string' ? valid : '';
        const i = at % (base.length + 1);
        return { value: base.slice(0, i) + bad + base.slice(i), bad: true };
      });
    }
    case 'date':
      return plain(hostileDate);
    case 'number':
      return plain(hostileNumber);
    case 'nesting':
      return plain(
        fc.oneof(
          deep,
          deep.map((d) => ({ a: [d] })),
        ),
      );
    case 'cursor':
      return plain(hostileCursor(spec?.shape ?? 'id'));
  }
}

function callsOf(kind: Kind, fx: Fixtures): fc.Arbitrary<Call> {
  // The admin reaches every route's use case; the others are refused earlier more often.
  const role = fc.oneof({ arbitrary: fc.constant<Role>('admin'), weight: 4 }, fc.constant<Role>('agent'), fc.constant<Role>('requester'));
  const candidates = routes(fx).filter((route) => (kind === 'nesting' ? route.in === 'body' : kind === 'cursor' ? 'cursor' in route.fields : true));
  return fc.oneof(
    ...candidates.map((route) => {
      const required = Object.entries(route.fields)
        .filter(([, spec]) => spec.required)
        .map(([name]) => name);
      const valid = fc.record(Object.fromEntries(Object.entries(route.fields).map(([name, spec]) => [name, spec.valid])), {
        requiredKeys: required as never[],
      });
      const { aimed, targets } = targetsOf(route, kind);
      const arbitrary = fc.tuple(role, valid, fc.constantFrom(...targets)).chain(([who, base, target]) =>
        hostile(kind, route.fields[target]).map(({ value, bad }): Call => {
          const payload = target === '$' ? value : { ...(base as object), [target]: value };
          // In a query an unpaired surrogate can only travel as invalid UTF-8, which leaves the whole value
          // undecoded (its %00 too): a NUL arrives only in a value without one.
          const arrives = route.in === 'body' ? bad : bad && typeof value === 'string' && value.includes('\u0000') && !LONE_SURROGATE.test(value);
          return { route: route.name, role: who, method: route.method, path: route.path(), in: route.in, payload, mutated: target, kind, mustRefuse: arrives };
        }),
      );
      // Routes with more fields of the kind are drawn more often; for cursors, each shape ({seq}, {id}) as often as the other.
      const shape = route.fields.cursor?.shape;
      const weight =
        kind === 'cursor' ? Math.round(candidates.length / candidates.filter((other) => other.fields.cursor?.shape === shape).length) : 1 + 3 * aimed.length;
      return { arbitrary, weight };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

let api: RunningApp;
let fx: Fixtures;
let tokens: Record<Role, string>;
let routesByName: Map<string, RouteSpec>;

async function send(call: Call): Promise<request.Response> {
  const route = routesByName.get(call.route)!;
  const http = request(api.url);
  const token = tokens[call.role];
  if (call.in === 'query') {
    const query = Object.entries(call.payload as Record<string, unknown>)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeQueryValue(queryText(value))}`)
      .join('&');
    return http.get(`${call.path}${query ? `?${query}` : ''}`).set(...bearer(token));
  }
  const sent = http[call.method](call.path)
    .set(...bearer(token))
    .set('content-type', 'application/json');
  for (const [name, value] of Object.entries((await route.headers?.()) ?? {})) sent.set(name, value);
  return sent.send(toJson(call.payload));
}

function changed(before: TenantSnapshot, after: TenantSnapshot): string[] {
  return Object.keys(before).filter((table) => JSON.stringify(before[table as keyof TenantSnapshot]) !== JSON.stringify(after[table as keyof TenantSnapshot]));
}

describe('input properties: hostile values in every body and query', () => {
  beforeAll(async () => {
    // Printed so that a failure can be replayed (fast-check's report names the seed and the path too).
    console.info(`input-properties: fast-check seed ${SEED}, ${RUNS_PER_KIND} runs per kind (${KINDS.join(', ')})`);
    api = await startApi(API_OVERRIDES);
    const tenant = await createTenant(api);
    const team = await createTeam(api, tenant, 'Property');
    const victimTeam = await createTeam(api, tenant, 'Victim');
    const [agent, requester, victimUser] = await Promise.all([
      createUser(api, tenant, 'ops_agent', { team_ids: [team] }),
      createUser(api, tenant, 'requester'),
      createUser(api, tenant, 'ops_agent'),
    ]);
    const role = await request(api.url)
      .post('/api/v1/admin/roles')
      .set(...bearer(tenant.adminToken))
      .send({ name: 'victim_role', rules: [] })
      .expect(201);
    const ticket = await newTicket(api, tenant.adminToken, { requester_id: requester.id, team_id: team });
    // The requester watches the ticket (a requester watches their own tickets from the start; 409 says so).
    const watching = await request(api.url)
      .post(`/api/v1/tickets/${ticket.id}/watchers`)
      .set(...bearer(requester.token))
      .send({});
    expect([201, 409]).toContain(watching.status);
    fx = { tenant, agent, requester, victimUser, team, victimTeam, victimRole: role.body.id, ticket: ticket.id };
    tokens = { admin: tenant.adminToken, agent: agent.token, requester: requester.token };
    routesByName = new Map(routes(fx).map((route) => [route.name, route]));
  });
  afterAll(() => api?.close());

  it.each(KINDS)(
    '%s: never a 5xx; every 4xx is problem+json; a refused request changes nothing',
    async (kind) => {
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(callsOf(kind, fx), async (call) => {
          const before = await tenantSnapshot(api, fx.tenant.id);
          const response = await send(call);
          const after = response.status >= 400 ? await tenantSnapshot(api, fx.tenant.id) : before;
          const outcome = {
            call: `${call.role} ${call.method.toUpperCase()} ${call.path} (${call.route}), ${call.mutated} holds the hostile value`,
            status: response.status,
            contentType: response.headers['content-type'],
            body: response.status >= 500 ? response.body : undefined,
            changedTables: response.status >= 400 ? changed(before, after) : [],
          };
          seen.add(call.route);
          expect(response.status < 500 ? 'not a 5xx' : outcome).toBe('not a 5xx');
          if (response.status >= 400) {
            expect(outcome.contentType).toMatch(/^application\/problem\+json/);
            expect(response.body.status).toBe(response.status);
            expect(outcome.changedTables).toEqual([]);
          }
          if (call.mustRefuse) expect(response.status >= 400 ? 'refused' : outcome).toBe('refused');
        }),
        // No shrinking: the first counterexample already names the route, the role, the field and its value.
        { seed: SEED, numRuns: RUNS_PER_KIND, endOnFailure: true },
      );
      // The runs reached most routes of the kind (a generator that stopped doing so would show here).
      expect(seen.size).toBeGreaterThanOrEqual(kind === 'cursor' ? 5 : kind === 'nesting' ? 10 : 15);
    },
    120_000,
  );

  it('the generators send what the properties claim: NUL, unpaired surrogates, deep nesting, huge cursors, far dates', () => {
    const strings = (value: unknown): string[] =>
      typeof value === 'string'
        ? [value]
        : Array.isArray(value)
          ? value.flatMap(strings)
          : value !== null && typeof value === 'object' && !(value instanceof Deep) && !(value instanceof Raw)
            ? Object.entries(value).flatMap(([key, inner]) => [key, ...strings(inner)])
            : [];
    for (const [kind, character] of [
      ['nul', /\u0000/],
      ['surrogate', LONE_SURROGATE],
    ] as const) {
      const refused = fc.sample(callsOf(kind, fx), { seed: SEED, numRuns: 300 }).filter((call) => call.mustRefuse);
      expect(refused.length).toBeGreaterThan(100);
      expect(refused.filter((call) => !strings(call.payload).some((s) => character.test(s)))).toEqual([]);
    }
    const nesting = fc.sample(callsOf('nesting', fx), { seed: SEED, numRuns: 200 }).map((call) => toJson(call.payload));
    expect(nesting.some((json) => json.length > 6000)).toBe(true);
    const cursors = fc.sample(hostileCursor('seq'), { seed: SEED, numRuns: 300 }).map((c) => Buffer.from(String(c), 'base64url').toString('utf8'));
    expect(cursors.some((json) => /"seq":(1e\+300|1\.1805916207174113e\+21)/.test(json))).toBe(true);
    expect(fc.sample(hostileDate, { seed: SEED, numRuns: 300 })).toEqual(expect.arrayContaining(['-271821-04-20']));
  });
});
