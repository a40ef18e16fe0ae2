import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { ROOT, RunningApp, startApi, startValidatingProxy, takeViolations, ValidatingProxy } from '@helpdesk/testing';

/**
 * The OpenAPI document the built api serves: Spectral's `spectral:oas` ruleset finds nothing in
 * it, every operation documents its success and error answers, and the checking proxy that every
 * e2e suite talks through (libs/testing/src/openapi-proxy.ts) refuses an answer it does not describe.
 */
type Operation = { operationId?: string; responses: Record<string, { content?: Record<string, unknown> }>; parameters?: { in: string }[] };
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
};

const run = promisify(execFile);

describe('OpenAPI document', () => {
  let api: RunningApp;
  let document: Document;

  beforeAll(async () => {
    api = await startApi();
    document = (await request(api.url).get('/docs/openapi.json').expect(200)).body as Document;
  });

  afterAll(async () => {
    await api?.close();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));

  it('passes Spectral’s spectral:oas ruleset (.spectral.yaml) without an error or a warning', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'helpdesk-openapi-'));
    try {
      const file = join(folder, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const spectral = join(ROOT, 'node_modules', '.bin', 'spectral');
      const { stdout } = await run(spectral, ['lint', file, '--ruleset', join(ROOT, '.spectral.yaml'), '--format', 'json', '--quiet'], { cwd: ROOT }).catch(
        (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
      );
      const results = JSON.parse(stdout || '[]') as { code: string; severity: number; message: string; path: string[] }[];
      expect(results.map((r) => `${['error', 'warning', 'info', 'hint'][r.severity]} ${r.code} at ${r.path.join('.')}: ${r.message}`)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('documents a success answer and the problem answers of every operation, each with an operationId', () => {
    expect(operations().length).toBeGreaterThan(40);
    for (const { path, method, operation } of operations()) {
      const label = `${method.toUpperCase()} ${path}`;
      expect([label, typeof operation.operationId]).toEqual([label, 'string']);
      const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
      expect([label, success.length > 0]).toEqual([label, true]);
      for (const status of Object.keys(operation.responses).filter((s) => Number(s) >= 400 && path !== '/health/ready')) {
        expect([label, status, Object.keys(operation.responses[status].content ?? {})]).toEqual([label, status, ['application/problem+json']]);
      }
      // Every URL can be malformed; every body-taking method can meet a body too large or not JSON.
      expect([label, '400' in operation.responses]).toEqual([label, true]);
      if (['post', 'put', 'patch', 'delete'].includes(method))
        expect([label, '413' in operation.responses && '415' in operation.responses]).toEqual([label, true]);
      if (operation.parameters?.some((p) => p.in === 'path')) expect([label, '414' in operation.responses]).toEqual([label, true]);
    }
  });

  it('types nullable fields as what they hold', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateUserDto.properties.phone).toMatchObject({ type: 'string', nullable: true, example: '+15551234567' });
    expect(schemas.CreateUserDto.properties.franchise_id).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.CreateUserDto.properties.region).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.CreateUserDto.properties.rate_limit).toMatchObject({ type: 'integer', nullable: true });
    expect(schemas.AssignTicketDto.properties.assignee_id).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.AssignTicketDto.properties.team_id).toMatchObject({ type: 'string', nullable: true });
    const untyped = Object.entries(schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(
          ([, property]) => property.nullable === true && property.type === 'object' && !('properties' in property) && !('additionalProperties' in property),
        )
        .map(([field]) => `${name}.${field}`),
    );
    expect(untyped).toEqual([]);
  });
});

describe('the OpenAPI-checking proxy', () => {
  const DOCUMENT = {
    openapi: '3.0.0',
    info: { title: 'a test api', version: '1' },
    paths: {
      '/things/{id}': {
        get: {
          operationId: 'getThing',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: {
              description: 'A thing',
              content: {
                'application/json': {
                  schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, note: { type: 'string', nullable: true } } },
                },
              },
            },
            404: { description: 'None', content: { 'application/problem+json': { schema: { type: 'object' } } } },
          },
        },
        delete: { operationId: 'deleteThing', responses: { 200: { description: 'Deleted, and nothing to say' } } },
      },
    },
  };
  // What the fake api answers for each thing id.
  const ANSWERS: Record<string, [status: number, type: string | null, body: string]> = {
    good: [200, 'application/json; charset=utf-8', JSON.stringify({ id: 'good', note: null })],
    'wrong-shape': [200, 'application/json', JSON.stringify({ id: 7 })],
    teapot: [418, 'application/problem+json', JSON.stringify({ status: 418 })],
    'wrong-type': [200, 'text/plain', 'good'],
    missing: [404, 'application/problem+json', JSON.stringify({ status: 404 })],
  };
  let target: Server;
  let proxy: ValidatingProxy;

  beforeAll(async () => {
    target = createServer((req, res) => {
      if (req.url === '/docs/openapi.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(DOCUMENT));
      if (req.method === 'DELETE') return void res.writeHead(200).end(req.url === '/things/with-body' ? 'surprise' : undefined);
      const [status, type, body] = ANSWERS[(req.url ?? '').split('/')[2]] ?? [500, null, ''];
      res.writeHead(status, type ? { 'content-type': type } : {}).end(body);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    proxy = await startValidatingProxy(`http://127.0.0.1:${(target.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await proxy?.close();
    await new Promise((resolve) => target?.close(resolve));
  });

  const problemsFor = async (method: 'get' | 'delete', path: string) => {
    await request(proxy.url)[method](path);
    return takeViolations().map((v) => `${v.method} ${v.url} ${v.status}: ${v.problem}`);
  };

  it('passes answers the document describes, the body streamed back unchanged', async () => {
    const answer = await request(proxy.url).get('/things/good').expect(200);
    expect(answer.body).toEqual({ id: 'good', note: null });
    expect(takeViolations()).toEqual([]);
    expect(await problemsFor('get', '/things/missing')).toEqual([]);
    expect(await problemsFor('delete', '/things/gone')).toEqual([]);
  });

  it('records a status the operation does not document', async () => {
    expect(await problemsFor('get', '/things/teapot')).toEqual(['GET /things/teapot 418: getThing documents no 418 answer (it documents 200, 404)']);
  });

  it('records a body that does not match the schema, naming the field', async () => {
    expect(await problemsFor('get', '/things/wrong-shape')).toEqual([
      'GET /things/wrong-shape 200: getThing: the 200 body does not match its schema: body/id must be string',
    ]);
  });

  it('records a content type the operation does not document, and a body where none is documented', async () => {
    expect(await problemsFor('get', '/things/wrong-type')).toEqual([
      'GET /things/wrong-type 200: getThing documents 200 as application/json, but the answer is text/plain',
    ]);
    expect(await problemsFor('delete', '/things/with-body')).toEqual([
      'DELETE /things/with-body 200: deleteThing documents 200 without a body, but the answer has one',
    ]);
  });

  it('records an answer on a path no operation serves, unless it is a problem+json 404', async () => {
    expect(await problemsFor('get', '/nothing-here')).toEqual(['GET /nothing-here 500: no operation of the document matches this method and path']);
  });
});
