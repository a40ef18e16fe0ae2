import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export interface AppConfig {
  nodeEnv: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key and BullMQ queue, so that deployments (and test runs) can share a Redis. */
  redisPrefix: string;
  /** Address the api listens on: loopback by default, `0.0.0.0` in the container image. */
  apiHost: string;
  apiPort: number;
  /** Address of the worker's health and metrics server. */
  workerHealthHost: string;
  workerHealthPort: number;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  rateLimit: { defaultLimit: number; windowSeconds: number };
  /**
   * Back-off on failed logins, counted in Redis per account (lower-cased email, any tenant) from
   * one client address, per account from every address, and per client address. Past a
   * threshold each further failure doubles a lockout from `baseSeconds` up to `maxSeconds`; the
   * counters expire `windowSeconds` after the last failure's lockout ends.
   */
  loginBackoff: {
    /** Failures on one account from one address before back-off (`LOGIN_FAILURES_BEFORE_BACKOFF`). */
    accountAddressFailures: number;
    /** Failures on one account from all addresses together; each address counts at most `accountAddressFailures` of them. */
    accountFailures: number;
    /** Failures from one address on all accounts together. */
    addressFailures: number;
    baseSeconds: number;
    maxSeconds: number;
    windowSeconds: number;
  };
  /**
   * Proxies whose X-Forwarded-For the api believes (addresses or CIDR ranges); empty: none, and
   * the client address is the TCP peer's.
   */
  trustProxy: string[];
  /** Bearer token that GET /metrics on the api requires; null: the api serves no metrics (404). */
  metricsToken: string | null;
  /** Browser origins (`https://app.example.com`) allowed to call the api cross-origin; empty: none. */
  corsOrigins: string[];
  worker: {
    /** Jobs one worker process runs at once. */
    concurrency: number;
    slaSweepIntervalSeconds: number;
    slaSweepBatchSize: number;
  };
  s3: {
    /** Null: the embedded S3-compatible server stands in for MinIO. */
    endpoint: string | null;
    accessKey: string;
    secretKey: string;
    region: string;
    bucketAttachments: string;
    bucketExports: string;
  };
  dataDir: string;
  smtpUrl: string | null;
  pushProviderUrl: string | null;
  smsProviderUrl: string | null;
  seedAdminEmail: string | null;
  seedAdminPassword: string | null;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the configuration. The only place that reads the environment; a `.env`
 * file in the working directory is loaded first when present (variables already set win).
 */
export function loadConfig(env: Env = readProcessEnv()): AppConfig {
  const read = new EnvReader(env);
  const config: AppConfig = {
    nodeEnv: read.string('NODE_ENV', 'development'),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/helpdesk'),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
    redisPrefix: read.pattern('REDIS_PREFIX', /^[A-Za-z0-9_.-]{1,64}$/, 'helpdesk', 'must be 1-64 letters, digits, dots, dashes or underscores'),
    apiHost: read.host('API_HOST', '127.0.0.1'),
    apiPort: read.port('API_PORT', 3000),
    workerHealthHost: read.host('WORKER_HEALTH_HOST', '127.0.0.1'),
    workerHealthPort: read.port('WORKER_HEALTH_PORT', 3001),
    jwtSecret: read.secret('JWT_SECRET', 32),
    accessTokenTtlSeconds: read.integer('ACCESS_TOKEN_TTL_SECONDS', 900, 10, 86_400),
    refreshTokenTtlSeconds: read.integer('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
    rateLimit: {
      defaultLimit: read.integer('RATE_LIMIT_DEFAULT', 1000, 1, 10_000_000),
      windowSeconds: read.integer('RATE_LIMIT_WINDOW_SECONDS', 3600, 1, 86_400),
    },
    loginBackoff: {
      accountAddressFailures: read.integer('LOGIN_FAILURES_BEFORE_BACKOFF', 5, 1, 1000),
      accountFailures: read.integer('LOGIN_ACCOUNT_FAILURES_BEFORE_BACKOFF', 20, 1, 100_000),
      addressFailures: read.integer('LOGIN_ADDRESS_FAILURES_BEFORE_BACKOFF', 20, 1, 100_000),
      baseSeconds: read.integer('LOGIN_BACKOFF_BASE_SECONDS', 1, 1, 3600),
      maxSeconds: read.integer('LOGIN_BACKOFF_MAX_SECONDS', 900, 1, 86_400),
      windowSeconds: read.integer('LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
    },
    trustProxy: read.addressList('TRUST_PROXY'),
    metricsToken: read.optionalPattern('METRICS_TOKEN', /^[A-Za-z0-9._~+/=-]{32,512}$/, 'must be 32-512 letters, digits or -._~+/= characters'),
    corsOrigins: read.originList('CORS_ORIGINS'),
    worker: {
      concurrency: read.integer('WORKER_CONCURRENCY', 8, 1, 256),
      slaSweepIntervalSeconds: read.integer('SLA_SWEEP_INTERVAL_SECONDS', 60, 1, 86_400),
      slaSweepBatchSize: read.integer('SLA_SWEEP_BATCH_SIZE', 500, 1, 10_000),
    },
    s3: {
      endpoint: read.optionalUrl('S3_ENDPOINT', ['http:', 'https:']),
      accessKey: read.string('S3_ACCESS_KEY', 'helpdesk'),
      secretKey: read.string('S3_SECRET_KEY', 'helpdesk-secret'),
      region: read.string('S3_REGION', 'us-east-1'),
      bucketAttachments: read.pattern('S3_BUCKET_ATTACHMENTS', BUCKET, 'helpdesk-attachments', BUCKET_RULE),
      bucketExports: read.pattern('S3_BUCKET_EXPORTS', BUCKET, 'helpdesk-exports', BUCKET_RULE),
    },
    dataDir: resolve(read.string('DATA_DIR', '.data')),
    smtpUrl: read.optionalUrl('SMTP_URL', ['smtp:', 'smtps:']),
    pushProviderUrl: read.optionalUrl('PUSH_PROVIDER_URL', ['http:', 'https:']),
    smsProviderUrl: read.optionalUrl('SMS_PROVIDER_URL', ['http:', 'https:']),
    seedAdminEmail: read.optionalPattern('SEED_ADMIN_EMAIL', EMAIL, 'must be an email address'),
    seedAdminPassword: read.optionalPattern('SEED_ADMIN_PASSWORD', /^.{12,}$/, 'must be at least 12 characters'),
  };
  if (config.loginBackoff.maxSeconds < config.loginBackoff.baseSeconds) {
    throw new ConfigError(
      'LOGIN_BACKOFF_MAX_SECONDS',
      `must be at least LOGIN_BACKOFF_BASE_SECONDS (${config.loginBackoff.baseSeconds}; got ${config.loginBackoff.maxSeconds})`,
    );
  }
  return config;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const BUCKET_RULE = 'must be a valid bucket name (3-63 lowercase letters, digits, dots, dashes)';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function readProcessEnv(): Env {
  const file = resolve('.env');
  if (existsSync(file)) process.loadEnvFile(file);
  return process.env;
}

class EnvReader {
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name) ?? fallback;
    if (!allowed.includes(value as T)) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
    return value as T;
  }

  pattern(name: string, pattern: RegExp, fallback: string, rule: string): string {
    const value = this.raw(name) ?? fallback;
    if (!pattern.test(value)) throw new ConfigError(name, `${rule} (got "${value}")`);
    return value;
  }

  optionalPattern(name: string, pattern: RegExp, rule: string): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    if (!pattern.test(value)) throw new ConfigError(name, `${rule}`);
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return parsed;
  }

  /** An IP address or a host name to bind to (`0.0.0.0` or `::` for every interface). */
  host(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    if (isIP(value) === 0 && !HOST_NAME.test(value)) throw new ConfigError(name, `must be an IP address or a host name to listen on (got "${value}")`);
    return value;
  }

  /** Comma-separated IP addresses or CIDR ranges (`10.0.0.0/8`, `::1`); unset: none. */
  addressList(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const entries = value.split(',').map((entry) => entry.trim());
    for (const entry of entries) {
      const [address, bits, ...rest] = entry.split('/');
      const family = isIP(address ?? '');
      const maxBits = family === 4 ? 32 : 128;
      const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
      if (family === 0 || rest.length > 0 || !validBits) {
        throw new ConfigError(name, `must be a comma-separated list of IP addresses or CIDR ranges (got "${entry}")`);
      }
    }
    return entries;
  }

  /** Comma-separated http(s) origins, scheme, host and optional port only (`https://app.example.com`); unset: none. */
  originList(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value.split(',').map((entry) => {
      const origin = entry.trim();
      let url: URL | undefined;
      try {
        url = new URL(origin);
      } catch {
        url = undefined;
      }
      // An origin is exactly what URL.origin gives back: no path, query, credentials or trailing slash.
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin) {
        throw new ConfigError(name, `must be a comma-separated list of http(s) origins such as https://app.example.com, without a path (got "${origin}")`);
      }
      return origin;
    });
  }

  port(name: string, fallback: number): number {
    return this.integer(name, fallback, 0, 65_535);
  }

  secret(name: string, minLength: number): string {
    const value = this.raw(name);
    if (value === undefined) throw new ConfigError(name, `is required: set it to a random string of at least ${minLength} characters`);
    if (value.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters long (got ${value.length})`);
    return value;
  }

  url(name: string, protocols: string[], fallback: string): string {
    const value = this.raw(name) ?? fallback;
    this.checkUrl(name, value, protocols);
    return value;
  }

  optionalUrl(name: string, protocols: string[]): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    this.checkUrl(name, value, protocols);
    return value;
  }

  private checkUrl(name: string, value: string, protocols: string[]): void {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(name, `must be a ${protocols[0]}// URL (got "${redact(value)}")`);
    }
    if (!protocols.includes(url.protocol) || !url.hostname) {
      throw new ConfigError(name, `must be a ${protocols.join(' or ')}// URL with a host (got "${redact(value)}")`);
    }
  }
}

/** Hides a password in a URL before it is printed. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/**
 * First run on a developer machine: with no JWT_SECRET anywhere, write a `.env` holding a random
 * one, so that `npm start` works out of the box and tokens survive restarts. Never overwrites.
 */
export function ensureLocalEnvFile(): string | null {
  const file = resolve('.env');
  if (process.env.JWT_SECRET || existsSync(file)) return null;
  writeFileSync(file, `# Written by the first \`npm start\`; see .env.example for every variable.\nJWT_SECRET=${randomBytes(48).toString('base64url')}\n`, {
    mode: 0o600,
  });
  return file;
}
