/**
 * The job contract at the processor boundary, against the built worker and real Redis: a job whose
 * payload breaks the contract fails on its first attempt although it has retries left, and the
 * worker goes on serving the queue.
 */
import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import { RunningApp, startWorker, testRedisUrl } from '@helpdesk/testing';
import { jobOptionsOf, QUEUES, redisConnectionOptions, SLA_JOBS, SLA_QUEUE } from '@helpdesk/queue';
import { dedicatedPrefix, waitFor } from './sla-support';

describe('worker: the job contract', () => {
  const prefix = dedicatedPrefix('jobs');
  let worker: RunningApp;
  let queue: Queue;

  beforeAll(async () => {
    worker = await startWorker({ REDIS_PREFIX: prefix, SLA_SWEEP_INTERVAL_SECONDS: '600', LOG_LEVEL: 'error' });
    // A producer outside the contract's types (an old release, a hand-written script), as the worker must expect.
    queue = new Queue(QUEUES.sla, { connection: redisConnectionOptions(testRedisUrl()), prefix: `${prefix}:bull` });
  });
  afterAll(async () => {
    await queue?.close();
    await worker?.close();
  });

  const settled = async (id: string): Promise<Job> =>
    waitFor(
      `job ${id} to finish`,
      async () => {
        const state = await queue.getJobState(id);
        return state === 'completed' || state === 'failed' ? Job.fromId(queue, id) : null;
      },
      20_000,
    );

  it('fails a job with an invalid payload once, without retry, and keeps serving', async () => {
    const options = { ...jobOptionsOf(SLA_QUEUE, SLA_JOBS.checkTicket), removeOnComplete: false, removeOnFail: false };
    expect(options.attempts).toBe(5);
    const invalid = await queue.add(SLA_JOBS.checkTicket, { ticket_id: 'not-a-uuid' }, options);

    const failed = await settled(invalid.id!);
    expect(await queue.getJobState(invalid.id!)).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.opts.attempts).toBe(5);
    expect(failed.failedReason).toMatch(/^Invalid payload for job sla\/check-ticket: tenant_id must be a UUID; ticket_id must be a UUID; due_at must be/);
    // The job is marked failed in Redis before the worker's log line reaches its stdout pipe.
    const logLine = `sla job check-ticket ${invalid.id} failed (attempt 1/5, invalid_payload; not retried)`;
    await waitFor('the worker to log the refused job', async () => worker.process.output().includes(logLine), 10_000);

    // The same worker then serves a valid job (a ticket that does not exist: the check skips it).
    const valid = await queue.add(SLA_JOBS.checkTicket, { tenant_id: randomUUID(), ticket_id: randomUUID(), due_at: new Date().toISOString() }, options);
    const completed = await settled(valid.id!);
    expect(await queue.getJobState(valid.id!)).toBe('completed');
    expect(completed.returnvalue).toMatchObject({ outcome: 'skipped', escalations: 0 });
    expect(worker.process.alive()).toBe(true);
    // Still exactly one attempt for the invalid job: nothing retried it meanwhile.
    expect((await Job.fromId(queue, invalid.id!))?.attemptsMade).toBe(1);
  });
});
