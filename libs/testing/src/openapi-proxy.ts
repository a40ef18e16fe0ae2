import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Agent, createServer, get, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { AddressInfo, isIPv4 } from 'node:net';
import { OpenAPIBackend, Operation } from 'openapi-backend';

/**
 * Every e2e exchange with the built api is checked against the api's own OpenAPI document
 * (/docs/openapi.json): a loopback HTTP proxy in front of the api forwards each request unchanged,
 * streams the answer back as it comes, and checks that the operation found by method and path
 * documents the answer's status, its content type and its body's shape. What it finds is recorded
 * as a violation, which fails the running test (openapi-check.ts) and the api's close().
 *
 * The api must see what it would see without the proxy: the upstream connection is opened from
 * the client's own loopback address (tests use 127.x.y.z addresses as different clients), and
 * headers (X-Forwarded-For included) pass as they were sent, in their order and case.
 */

export interface Violation {
  method: string;
  url: string;
  status: number;
  problem: string;
}

export interface ValidatingProxy {
  url: string;
  /** Hands out (and forgets) this proxy's violations not yet handed out. */
  take(): Violation[];
  close(): Promise<void>;
}

/** Bodies larger than this are forwarded but not checked (none of the api's JSON answers comes near). */
const MAX_CHECKED_BODY = 8 * 1024 * 1024;

const proxies = new Set<{ violations: Violation[] }>();

/** Hands out (and forgets) the violations every running proxy has recorded so far. */
export function takeViolations(): Violation[] {
  const taken: Violation[] = [];
  for (const proxy of proxies) taken.push(...proxy.violations.splice(0));
  return taken;
}

export function describeViolations(violations: Violation[]): string {
  return (
    `${violations.length} answer(s) of the api that its OpenAPI document does not describe:\n` +
    violations.map((v) => `  ${v.method} ${v.url} → ${v.status}: ${v.problem}`).join('\n')
  );
}

export async function startValidatingProxy(target: string): Promise<ValidatingProxy> {
  const checker = await OpenApiChecker.load(target);
  const upstream = new URL(target);
  const agents = new Map<string, Agent>();
  const agentFrom = (address: string) => {
    let agent = agents.get(address);
    if (!agent) agents.set(address, (agent = new Agent({ keepAlive: true, localAddress: address })));
    return agent;
  };
  const state = { violations: [] as Violation[] };
  proxies.add(state);

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const peer = request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    let answered = false;
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.rawHeaders,
        agent: agentFrom(isIPv4(peer) && peer.startsWith('127.') ? peer : '127.0.0.1'),
      },
      (answer) => {
        answered = true;
        if (!request.complete) {
          // An answer before the whole body (413, 415): the rest of the body goes nowhere, as it
          // would reach no handler without the proxy either.
          request.unpipe(forwarded);
          request.resume();
        }
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        const chunks: Buffer[] = [];
        let size = 0;
        answer.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_CHECKED_BODY) chunks.push(chunk);
          response.write(chunk);
        });
        answer.on('end', () => {
          // Ended only once the client's body is in: a connection closed while the client still
          // sends is reset, and the reset can overtake the answer.
          if (request.complete) response.end();
          else request.once('end', () => response.end()).once('close', () => response.end());
          const problem = checker.check(request.method ?? 'GET', request.url ?? '/', answer, size <= MAX_CHECKED_BODY ? Buffer.concat(chunks) : null);
          if (problem) state.violations.push({ method: request.method ?? '?', url: request.url ?? '?', status: answer.statusCode ?? 0, problem });
        });
        answer.on('error', () => response.writableEnded || response.destroy());
      },
    );
    // The api may answer (413, 415) and close before reading the whole body, and the body still
    // being written then meets a closed connection: that error comes after the answer, which
    // goes on to the client. Without an answer, the client's connection is closed as the api's was.
    forwarded.on('error', () => answered || request.socket.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take: () => state.violations.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        proxies.delete(state);
        server.close(() => resolve());
        server.closeAllConnections();
        for (const agent of agents.values()) agent.destroy();
      }),
  };
}

type Schema = Record<string, unknown>;
interface DocumentedResponse {
  content?: Record<string, { schema?: Schema }>;
}

/** The api's document, its operations found by method and path, their answers checked with Ajv. */
class OpenApiChecker {
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(private readonly api: OpenAPIBackend) {}

  static async load(target: string): Promise<OpenApiChecker> {
    const api = new OpenAPIBackend({ definition: (await getJson(`${target}/docs/openapi.json`)) as never, quick: true, validate: false });
    await api.init();
    return new OpenApiChecker(api);
  }

  /** What is wrong with an answer, or null when its operation documents it. */
  check(method: string, url: string, answer: IncomingMessage, body: Buffer | null): string | null {
    const status = answer.statusCode ?? 0;
    const path = url.split('?')[0];
    if (path === '/docs' || path.startsWith('/docs/')) return null;
    // A CORS preflight, answered by the CORS layer before any route, is browser protocol and not
    // an operation of the document.
    if (method === 'OPTIONS' && status === 204 && answer.headers['access-control-allow-methods'] !== undefined) return null;
    const operation = this.match(method === 'HEAD' ? 'GET' : method, path);
    if (!operation) {
      // A path or method no route serves: the api answers 404 (or 400/414 for a URL it cannot
      // read) as problem details, which no operation can document.
      if ([400, 404, 414].includes(status) && mediaType(answer) === 'application/problem+json') return null;
      return 'no operation of the document matches this method and path';
    }
    const responses = operation.responses as Record<string, DocumentedResponse | undefined>;
    const documented = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    const name = `${operation.operationId ?? `${method} ${operation.path}`}`;
    if (!documented) return `${name} documents no ${status} answer (it documents ${Object.keys(responses).join(', ')})`;
    const content = documented.content ?? {};
    if (Object.keys(content).length === 0) {
      return body && body.length > 0 && method !== 'HEAD' ? `${name} documents ${status} without a body, but the answer has one` : null;
    }
    const type = mediaType(answer);
    if (!type || !(type in content))
      return `${name} documents ${status} as ${Object.keys(content).join(' or ')}, but the answer is ${type ?? 'without a content type'}`;
    if (method === 'HEAD' || body === null) return null;
    const schema = content[type].schema;
    if (!schema) return null;
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return `${name}: the ${status} body is not JSON`;
    }
    const validate = this.validator(`${name} ${status} ${type}`, schema);
    if (validate(value)) return null;
    return `${name}: the ${status} body does not match its schema: ${this.ajv.errorsText(validate.errors, { dataVar: 'body' })}`;
  }

  private match(method: string, path: string): Operation | undefined {
    try {
      return this.api.router.matchOperation({ method, path, headers: {} });
    } catch {
      return undefined;
    }
  }

  private validator(key: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) this.validators.set(key, (validate = this.ajv.compile(schema)));
    return validate;
  }
}

/** A GET on a connection of its own, closed after it (no keep-alive socket outlives the api). */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`GET ${url} answered ${response.statusCode}`));
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error as Error);
        }
      });
    }).on('error', reject);
  });
}

function mediaType(answer: IncomingMessage): string | undefined {
  return answer.headers['content-type']?.split(';')[0].trim().toLowerCase();
}
