import { Writable } from 'node:stream';
import { createLogger, PinoNestLogger, scrubSecrets } from './logger';

function capture(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('createLogger: redaction', () => {
  const SECRETS = {
    password: 'hunter2-password-value',
    refresh: 'rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    apiKey: 'hd_abcdEFGH_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
    jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
    cookie: 'session=cookie-value-123',
    signature: 'deadbeefcafebabe0123456789',
    webhook: 'whsec_webhook-secret-value',
  };

  it('censors secret properties at any of the first levels, headers included', () => {
    const out = capture();
    const logger = createLogger({ logLevel: 'info' }, 'test', out.stream);
    logger.info({
      req: { headers: { authorization: `Bearer ${SECRETS.jwt}`, cookie: SECRETS.cookie, 'x-api-key': SECRETS.apiKey } },
      res: { headers: { 'set-cookie': SECRETS.cookie } },
      body: { email: 'a@example.com', password: SECRETS.password, refresh_token: SECRETS.refresh },
      err: { response: { body: { new_password: SECRETS.password } }, parameters: [SECRETS.password] },
      webhook: { url: 'https://hooks.example.com/in', secret: SECRETS.webhook },
      password: SECRETS.password,
    });
    const line = out.text();
    for (const secret of Object.values(SECRETS)) expect(line).not.toContain(secret);
    expect(line).toContain('a@example.com');
    expect(line).toContain('https://hooks.example.com/in');
    expect(line).toContain('[redacted]');
  });

  it('scrubs signatures, tokens and keys from request URLs and message text', () => {
    const out = capture();
    const logger = createLogger({ logLevel: 'info' }, 'test', out.stream);
    const presigned = `https://s3.example.com/b/o.csv?X-Amz-Credential=AKIA%2F20260101&X-Amz-Date=20260101T000000Z&X-Amz-Signature=${SECRETS.signature}`;
    logger.info({ req: { method: 'GET', url: `/api/v1/x?access_token=${SECRETS.jwt}&page=2`, ip: '127.0.0.1' } }, 'request');
    logger.warn(`upload failed for ${presigned}`);
    new PinoNestLogger(logger).error(`calling with Bearer ${SECRETS.jwt} and ${SECRETS.apiKey}`, `Error: ${SECRETS.refresh}\n    at x`);
    const text = out.text();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).toContain('page=2');
    expect(text).toContain('X-Amz-Date=20260101T000000Z');
    expect(text).toContain('https://s3.example.com/b/o.csv?');
  });

  it('leaves text without credentials as it is', () => {
    const text = 'ticket 42 escalated; see /api/v1/tickets?status=open&sort=-created_at';
    expect(scrubSecrets(text)).toBe(text);
  });
});
