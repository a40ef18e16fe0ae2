import { ConfigError, loadConfig } from './config';

describe('loadConfig: login back-off and trusted proxies', () => {
  const base = { JWT_SECRET: 'x'.repeat(32) };

  it('defaults to five failures per account and address, twenty per account and per address, 1 s doubling to 15 min, and no trusted proxy', () => {
    const config = loadConfig(base);
    expect(config.loginBackoff).toEqual({
      accountAddressFailures: 5,
      accountFailures: 20,
      addressFailures: 20,
      baseSeconds: 1,
      maxSeconds: 900,
      windowSeconds: 900,
    });
    expect(config.trustProxy).toEqual([]);
    expect(config.corsOrigins).toEqual([]);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      ...base,
      LOGIN_FAILURES_BEFORE_BACKOFF: '3',
      LOGIN_ACCOUNT_FAILURES_BEFORE_BACKOFF: '7',
      LOGIN_ADDRESS_FAILURES_BEFORE_BACKOFF: '11',
      LOGIN_BACKOFF_BASE_SECONDS: '2',
      LOGIN_BACKOFF_MAX_SECONDS: '60',
      LOGIN_FAILURE_WINDOW_SECONDS: '120',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,::1,fd00::/8',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
    });
    expect(config.loginBackoff).toEqual({
      accountAddressFailures: 3,
      accountFailures: 7,
      addressFailures: 11,
      baseSeconds: 2,
      maxSeconds: 60,
      windowSeconds: 120,
    });
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8']);
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it.each([
    ['LOGIN_FAILURES_BEFORE_BACKOFF', '0'],
    ['LOGIN_ADDRESS_FAILURES_BEFORE_BACKOFF', 'many'],
    ['LOGIN_BACKOFF_BASE_SECONDS', '0.5'],
    ['LOGIN_FAILURE_WINDOW_SECONDS', '-1'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', 'proxy.internal'],
    ['TRUST_PROXY', '10.0.0.1,'],
    ['CORS_ORIGINS', 'https://app.example.com/'],
    ['CORS_ORIGINS', 'https://app.example.com/app'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'ftp://files.example.com'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'https://a.example.com,'],
  ])('refuses %s=%p, naming the variable', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('refuses a back-off cap below its base', () => {
    expect(() => loadConfig({ ...base, LOGIN_BACKOFF_BASE_SECONDS: '10', LOGIN_BACKOFF_MAX_SECONDS: '5' })).toThrow(ConfigError);
  });
});

describe('loadConfig: METRICS_TOKEN', () => {
  const base = { JWT_SECRET: 'x'.repeat(32) };

  it('is unset by default, so that the api serves no metrics', () => {
    expect(loadConfig(base).metricsToken).toBeNull();
    expect(loadConfig({ ...base, METRICS_TOKEN: '' }).metricsToken).toBeNull();
  });

  it('reads a token of at least 32 bearer-token characters', () => {
    const token = 'Abc-._~+/0123456789abcdefghijklmnop==';
    expect(loadConfig({ ...base, METRICS_TOKEN: token }).metricsToken).toBe(token);
  });

  it.each(['short', 'x'.repeat(31), `${'x'.repeat(32)} space`, `${'x'.repeat(32)}:colon`, 'x'.repeat(513)])(
    'refuses METRICS_TOKEN=%p, naming the variable',
    (value) => {
      expect(() => loadConfig({ ...base, METRICS_TOKEN: value })).toThrow(/^Invalid configuration: METRICS_TOKEN /);
    },
  );
});
