import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import { AppConfig } from './config';

const CENSOR = '[redacted]';

/** Properties whose value is a credential wherever they appear in a logged object. */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'password',
  'new_password',
  'current_password',
  'refresh_token',
  'access_token',
  'api_key',
  'key_hash',
  'password_hash',
  'secret',
  'webhook_secret',
  'signing_secret',
  'token',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    const identifier = /^[A-Za-z_$][\w$]*$/.test(key);
    const member = identifier ? `.${key}` : `["${key}"]`;
    // A logged object holds the secret itself, or a request, body, error or headers does, at
    // most a few levels down (req.headers.authorization, err.response.body.password).
    if (identifier) paths.push(key);
    paths.push(`*${member}`, `*.*${member}`, `*.*.*${member}`);
  }
  // A failed query's bound parameters can be password hashes, token hashes and key hashes.
  paths.push('err.parameters', '*.err.parameters');
  return paths;
}

/**
 * Query parameters that make a URL a credential: presigned URL signatures (X-Amz-Signature,
 * X-Amz-Credential, X-Amz-Security-Token, Signature), tokens and keys some clients put in query
 * strings.
 */
const SECRET_QUERY = /([?&][^=&#\s"]*(?:signature|credential|token|secret|password|api[_-]?key|sig)[^=&#\s"]*=)[^&#\s"]*/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const API_KEY = /\bhd_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{20,}/g;
const REFRESH_TOKEN = /\brt_[A-Za-z0-9_-]{20,}/g;

/** Removes credentials that can hide inside free text: a URL's signature, a bearer token, an API key. */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_QUERY, `$1${CENSOR}`).replace(BEARER, `$1 ${CENSOR}`).replace(API_KEY, CENSOR).replace(REFRESH_TOKEN, CENSOR);
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * One JSON logger per process; the api hands the same instance to Fastify for request logs.
 * Credentials never reach a line: secret properties are censored by path, request URLs and
 * message text are scrubbed of signatures, tokens and keys (see docs/security.md).
 */
export function createLogger(config: Pick<AppConfig, 'logLevel'>, name: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level: config.logLevel,
      redact: { paths: redactPaths(), censor: CENSOR },
      serializers: {
        // Fastify's request summary (same fields), its URL without secret query parameters.
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: typeof req.url === 'string' ? scrubSecrets(req.url) : req.url,
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg: unknown) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** Nest's logger interface over pino, so that framework messages are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace: trace === undefined ? undefined : scrubSecrets(trace) }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
