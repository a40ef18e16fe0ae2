import { ChildProcess, spawn } from 'node:child_process';
import request from 'supertest';
import {
  assertBuilt,
  BUILT,
  childEnvironment,
  emptyWorkingDirectory,
  Finished,
  finished,
  freePort,
  RunningApp,
  startTcpProxy,
  startWorker,
  testEnvironment,
  testRedisUrl,
} from '@helpdesk/testing';
import { waitFor } from './sla-support';

/** Polls `url` until it answers 200; fails when it has not within `timeoutMs` or the process died. */
async function waitForOk(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the worker exited (${child.exitCode ?? child.signalCode}) before ${url} answered`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

describe('worker: the built process', () => {
  const workdir = emptyWorkingDirectory();
  let child: ChildProcess;
  let exit: Promise<Finished>;
  let base: string;

  beforeAll(async () => {
    assertBuilt();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [BUILT.worker], {
      env: childEnvironment(testEnvironment({ WORKER_HEALTH_PORT: String(port), LOG_LEVEL: 'info' })),
      cwd: workdir.path,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Bounded: a worker still running 45 s after it was started is killed, and the test fails.
    exit = finished(child, 45_000, 'the worker');
    exit.catch(() => undefined);
    await waitForOk(`${base}/health/live`, child, 20_000);
  });

  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    workdir.remove();
  });

  it('answers /health/live with 200', async () => {
    const response = await request(base).get('/health/live').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('reports postgres and redis up on /health/ready', async () => {
    const response = await request(base).get('/health/ready').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('serves nothing but health', async () => {
    await request(base).get('/api/v1/admin/users').expect(404);
  });

  it('exits with code 0 on SIGTERM, within 10 s', async () => {
    child.kill('SIGTERM');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the worker did not exit within 10 s of SIGTERM')), 10_000).unref());
    const result = await Promise.race([exit, timeout]);
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    expect(result.stderr).toBe('');
    // Its logs are JSON lines.
    const logLines = result.stdout.split('\n').filter(Boolean);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('worker: readiness follows its dependencies', () => {
  let worker: RunningApp;
  beforeAll(async () => {
    worker = await startWorker();
  });
  afterAll(() => worker.close());

  it('is live and ready, with postgres and redis up', async () => {
    await request(worker.url).get('/health/live').expect(200);
    const response = await request(worker.url).get('/health/ready').expect(200);
    expect(response.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
  });

  it('reports not ready (503, redis down) when Redis goes away, and stays live', async () => {
    // The worker reaches Redis through a proxy that the test then cuts: to the process, Redis is gone.
    const redis = new URL(testRedisUrl());
    const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    const proxied = new URL(redis.toString());
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const broken = await startWorker({ REDIS_URL: proxied.toString() });
    try {
      await request(broken.url).get('/health/ready').expect(200);
      await proxy.cut();
      const response = await waitFor(
        'the worker to report Redis down',
        async () => {
          const answer = await request(broken.url).get('/health/ready');
          return answer.status === 503 ? answer : null;
        },
        20_000,
      );
      expect(response.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } }, info: { postgres: { status: 'up' } } });
      await request(broken.url).get('/health/live').expect(200);
    } finally {
      await broken.close({ requireCleanExit: false });
    }
  });
});
