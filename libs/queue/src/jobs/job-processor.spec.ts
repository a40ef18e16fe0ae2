import { Job, Queue, UnrecoverableError } from 'bullmq';
import { DomainError } from '@helpdesk/domain';
import { JOB_QUEUES, QUEUES } from '../queues';
import { SLA_QUEUE } from '../sla-queue';
import { JobProducer } from './job-producer';
import {
  assertEveryQueueConsumed,
  assertJobHandlers,
  ConsumesQueue,
  consumedQueueOf,
  JobContractError,
  JobHandlers,
  JobProcessor,
  missingHandlers,
} from './job-processor';
import { DEFAULT_JOB_OPTIONS, defineQueue, jobOptionsOf } from './queue-definition';

const TICKET = '0b7c2f7e-6a43-4d8b-9a55-3a9c0b1e2d4f';
const TENANT = '6f1f0a59-3a7e-4c9d-8a3b-2c2d1e0f9a8b';
const check = { tenant_id: TENANT, ticket_id: TICKET, due_at: '2026-12-03T18:00:00.000Z' };

@ConsumesQueue('sla')
class TestSlaProcessor extends JobProcessor<'sla'> {
  readonly seen: unknown[] = [];
  failWith: unknown = undefined;
  protected override readonly handlers: JobHandlers<'sla'> = {
    'check-ticket': async (payload) => {
      if (this.failWith !== undefined) throw this.failWith;
      this.seen.push(payload);
      return 'checked';
    },
    sweep: async () => 'swept',
  };
}

@ConsumesQueue('sla')
class IncompleteSlaProcessor extends JobProcessor<'sla'> {
  // What the types forbid, as a build that bypassed them (JavaScript, a cast) would ship it.
  protected override readonly handlers = { 'check-ticket': async () => undefined } as unknown as JobHandlers<'sla'>;
}

class UnmarkedProcessor extends JobProcessor<'sla'> {
  protected override readonly handlers: JobHandlers<'sla'> = { 'check-ticket': async () => undefined, sweep: async () => undefined };
}

const job = (name: string, data: unknown) => ({ name, data, id: '1', attemptsMade: 0, opts: {} }) as unknown as Job;

describe('the start-up check', () => {
  it('passes when every job of the queue has a handler', () => {
    expect(() => new TestSlaProcessor().onModuleInit()).not.toThrow();
  });

  it('refuses to start, in one line naming the processor, the job and the queue, when a handler is missing', () => {
    expect(() => new IncompleteSlaProcessor().onModuleInit()).toThrow(JobContractError);
    expect(() => new IncompleteSlaProcessor().onModuleInit()).toThrow(
      /^The worker cannot start: IncompleteSlaProcessor has no handler for job "sweep" of queue "sla"$/,
    );
  });

  it('names every missing handler, and a non-function counts as missing', () => {
    expect(missingHandlers(SLA_QUEUE, {})).toEqual(['check-ticket', 'sweep']);
    expect(missingHandlers(SLA_QUEUE, { 'check-ticket': 'not a function', sweep: async () => undefined })).toEqual(['check-ticket']);
    expect(() => assertJobHandlers(SLA_QUEUE, {}, 'P')).toThrow('The worker cannot start: P has no handler for jobs "check-ticket", "sweep" of queue "sla"');
  });

  it('refuses a processor not marked with the queue it consumes', () => {
    expect(() => new UnmarkedProcessor().onModuleInit()).toThrow(/UnmarkedProcessor is not marked @ConsumesQueue/);
  });

  it('refuses a worker in which a queue of the contract has no processor', () => {
    expect(consumedQueueOf(TestSlaProcessor)).toBe('sla');
    expect(() => assertEveryQueueConsumed([TestSlaProcessor])).not.toThrow();
    const other = defineQueue({ name: 'exports', jobs: { run: { payload: class {} } } });
    expect(() => assertEveryQueueConsumed([TestSlaProcessor], [...JOB_QUEUES, other])).toThrow(
      'The worker cannot start: no processor consumes queue "exports"',
    );
    expect(() => assertEveryQueueConsumed([])).toThrow(/no processor consumes queue "sla"/);
  });
});

describe('JobProcessor.process: validation and the one error mapping', () => {
  it('hands the handler its validated payload', async () => {
    const processor = new TestSlaProcessor();
    await expect(processor.process(job('check-ticket', { ...check, extra: true }))).resolves.toBe('checked');
    expect(processor.seen).toEqual([check]);
  });

  it('fails an invalid payload without retry, before the handler runs', async () => {
    const processor = new TestSlaProcessor();
    await expect(processor.process(job('check-ticket', { ticket_id: 'nope' }))).rejects.toThrow(UnrecoverableError);
    await expect(processor.process(job('check-ticket', { ticket_id: 'nope' }))).rejects.toThrow(/^Invalid payload for job sla\/check-ticket: /);
    expect(processor.seen).toEqual([]);
  });

  it('fails an unknown job name without retry', async () => {
    await expect(new TestSlaProcessor().process(job('check-all', {}))).rejects.toThrow(UnrecoverableError);
  });

  it("maps the handler's domain error to no retry and lets an infrastructure error through for retry", async () => {
    const processor = new TestSlaProcessor();
    processor.failWith = DomainError.notFound('Ticket');
    await expect(processor.process(job('check-ticket', check))).rejects.toThrow(UnrecoverableError);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    processor.failWith = refused;
    await expect(processor.process(job('check-ticket', check))).rejects.toBe(refused);
  });
});

describe('the contract', () => {
  it('names its queues', () => {
    expect(QUEUES).toEqual({ sla: 'sla' });
    expect(JOB_QUEUES.map((queue) => queue.name)).toEqual(['sla']);
  });

  it('declares default job options once; a queue and a job override them', () => {
    expect(DEFAULT_JOB_OPTIONS).toEqual({
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
    expect(jobOptionsOf(SLA_QUEUE)).toEqual({ ...DEFAULT_JOB_OPTIONS, removeOnComplete: true, removeOnFail: 1000 });
    expect(jobOptionsOf(SLA_QUEUE, 'check-ticket')).toEqual({ ...DEFAULT_JOB_OPTIONS, removeOnComplete: true, removeOnFail: 1000 });
    expect(jobOptionsOf(SLA_QUEUE, 'sweep')).toEqual({ ...DEFAULT_JOB_OPTIONS, attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
  });

  it('produces with the options of the contract, which a call cannot override', async () => {
    const added: unknown[] = [];
    const queue = { add: async (...args: unknown[]) => added.push(args) } as unknown as Queue;
    const producer = new JobProducer<'sla'>(queue, SLA_QUEUE);
    await producer.add('check-ticket', check, { jobId: 'j1', delay: 5 });
    expect(added).toEqual([['check-ticket', check, { jobId: 'j1', delay: 5, ...jobOptionsOf(SLA_QUEUE, 'check-ticket') }]]);
  });

  it('types producers: a wrong job name or payload does not compile', () => {
    const producer = new JobProducer<'sla'>({ add: async () => undefined } as unknown as Queue, SLA_QUEUE);
    const typeErrors = () => {
      // @ts-expect-error: the SLA queue has no such job
      void producer.add('check-everything', check);
      // @ts-expect-error: ticket_id is missing
      void producer.add('check-ticket', { tenant_id: TENANT, due_at: check.due_at });
      // @ts-expect-error: the sweep takes no data
      void producer.add('sweep', { tenant_id: TENANT });
      // @ts-expect-error: attempts are the contract's, not the call's
      void producer.add('sweep', {}, { attempts: 10 });
    };
    expect(typeErrors).toBeInstanceOf(Function);
  });
});
