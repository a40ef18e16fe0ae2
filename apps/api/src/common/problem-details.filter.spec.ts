import { QueryFailedError } from 'typeorm';
import { DomainError } from '@helpdesk/domain';
import { INPUT_SQLSTATES, toProblem } from './problem-details.filter';

const queryFailed = (code: string, message = 'refused') => new QueryFailedError('SELECT $1', ['x'], Object.assign(new Error(message), { code }));

function logger() {
  return { error: jest.fn(), warn: jest.fn() };
}

describe('toProblem: PostgreSQL errors', () => {
  it.each([...INPUT_SQLSTATES])('answers SQLSTATE %s, an input the database refused, as a 422 and logs a warning', (code) => {
    const log = logger();
    const problem = toProblem(queryFailed(code, 'invalid byte sequence for encoding "UTF8": 0x00'), log);
    expect(problem).toMatchObject({ status: 422, type: 'urn:helpdesk:problem:validation_failed' });
    expect(JSON.stringify(problem)).not.toMatch(/SELECT|UTF8|0x00/);
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining(`SQLSTATE ${code}`));
    expect(log.error).not.toHaveBeenCalled();
  });

  it('covers the SQLSTATEs of characters, dates, numbers, bad text and nesting', () => {
    expect([...INPUT_SQLSTATES].sort()).toEqual(['22003', '22008', '22021', '22P02', '22P05', '54001']);
  });

  it.each([
    ['a unique violation', queryFailed('23505')],
    ['a missing table', queryFailed('42P01')],
    ['a lost connection', queryFailed('08006')],
    ['a plain error', new Error('boom')],
  ])('still answers %s as a 500 that reveals nothing, logged as an error', (_, error) => {
    const log = logger();
    expect(toProblem(error, log)).toMatchObject({ status: 500, type: 'about:blank' });
    expect(log.error).toHaveBeenCalled();
  });

  it('leaves domain errors to their codes', () => {
    expect(toProblem(DomainError.validation([{ field: 'title', message: 'x' }]), logger())).toMatchObject({
      status: 422,
      errors: [{ field: 'title', message: 'x' }],
    });
  });
});
