import { SLA_QUEUE, SlaCheckTicketPayload } from '../sla-queue';
import { JobPayloadError, parseJobPayload } from './job-payload';

const TICKET = '0b7c2f7e-6a43-4d8b-9a55-3a9c0b1e2d4f';
const TENANT = '6f1f0a59-3a7e-4c9d-8a3b-2c2d1e0f9a8b';
const valid = { tenant_id: TENANT, ticket_id: TICKET, due_at: '2026-12-03T18:00:00.000Z' };

const problems = (data: unknown, name = 'check-ticket'): string[] => {
  try {
    parseJobPayload(SLA_QUEUE, name, data);
  } catch (error) {
    expect(error).toBeInstanceOf(JobPayloadError);
    return (error as JobPayloadError).problems;
  }
  throw new Error('expected a JobPayloadError');
};

describe('parseJobPayload', () => {
  it('answers an instance of the payload class with the declared fields', () => {
    const payload = parseJobPayload(SLA_QUEUE, 'check-ticket', valid);
    expect(payload).toBeInstanceOf(SlaCheckTicketPayload);
    expect({ ...payload }).toEqual(valid);
  });

  it('drops fields the payload does not declare (a tolerant reader)', () => {
    const payload = parseJobPayload(SLA_QUEUE, 'check-ticket', { ...valid, added_later: 1 });
    expect({ ...payload }).toEqual(valid);
  });

  it('accepts the empty sweep payload', () => {
    expect({ ...parseJobPayload(SLA_QUEUE, 'sweep', {}) }).toEqual({});
  });

  it('names each invalid or missing field', () => {
    expect(problems({ tenant_id: TENANT, ticket_id: 'nope' })).toEqual([
      expect.stringMatching(/^ticket_id must be a UUID/),
      expect.stringMatching(/^due_at must be a valid ISO 8601/),
    ]);
  });

  it.each([null, undefined, 'check', 42, [valid]])('refuses a payload that is not an object: %p', (data) => {
    expect(problems(data)).toEqual(['the payload must be an object']);
  });

  it('refuses a job name the queue does not have', () => {
    expect(problems(valid, 'check-everything')).toEqual(['the queue has no job named "check-everything"']);
    expect(problems(valid, 'toString')).toEqual(['the queue has no job named "toString"']);
  });

  it('says which queue and job in its message', () => {
    expect(() => parseJobPayload(SLA_QUEUE, 'check-ticket', {})).toThrow(/^Invalid payload for job sla\/check-ticket: /);
  });
});
