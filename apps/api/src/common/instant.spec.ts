import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, IsOptional, validateSync } from 'class-validator';
import { IS_STORABLE_INSTANT, IsInstant } from './instant';

class Probe {
  @IsOptional() @IsInstant() at?: Date;
}

const errorsFor = (at: unknown) => validateSync(plainToInstance(Probe, { at })).flatMap((error) => Object.keys(error.constraints ?? {}));

describe('IsInstant', () => {
  it.each(['2026-11-29T10:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-02-28'])('accepts %s', (at) => {
    expect(errorsFor(at)).toEqual([]);
  });

  it.each(['-271821-04-20', '0000-01-01', '-000001-12-31T00:00:00Z', '+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '0000-12-31T23:59:59.999Z'])(
    'refuses %s, which PostgreSQL may or may not store, with its own message',
    (at) => {
      expect(errorsFor(at)).toEqual([IS_STORABLE_INSTANT]);
    },
  );

  it('refuses what is not a date with the IsDate message only', () => {
    expect(errorsFor('300000-01-01')).toEqual(['isDate']);
    expect(errorsFor('tomorrow')).toEqual(['isDate']);
  });

  it('takes epoch milliseconds from JSON, within the years', () => {
    expect(errorsFor(0)).toEqual([]);
    expect(errorsFor(-8.64e15)).toEqual([IS_STORABLE_INSTANT]);
  });
});

describe('every date field of the API', () => {
  it('is an IsInstant: no DTO takes a Date without the year range', () => {
    const root = join(__dirname, '..');
    const dtoFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? dtoFiles(join(dir, entry.name)) : entry.name.endsWith('.dto.ts') ? [join(dir, entry.name)] : [],
      );
    const files = dtoFiles(root);
    expect(files.length).toBeGreaterThanOrEqual(10);
    files.forEach((file) => require(file));

    const storage = getMetadataStorage();
    const all = (storage as unknown as { validationMetadatas: Map<Function, Array<{ propertyName: string; constraintCls?: Function }>> }).validationMetadatas;
    const constraintNames = new Map<string, Set<string>>();
    for (const [target, metadatas] of all) {
      for (const metadata of metadatas) {
        const name = metadata.constraintCls ? storage.getTargetValidatorConstraints(metadata.constraintCls)[0]?.name : undefined;
        if (!name) continue;
        const key = `${target.name}.${metadata.propertyName}`;
        constraintNames.set(key, (constraintNames.get(key) ?? new Set()).add(name));
      }
    }
    const dateFields = [...constraintNames].filter(([, names]) => names.has('isDate')).map(([field]) => field);
    expect(dateFields).toEqual(
      expect.arrayContaining([
        'ListTicketsQueryDto.created_after',
        'ListTicketsQueryDto.due_before',
        'ListEscalationsQueryDto.since',
        'CreateApiKeyDto.expires_at',
      ]),
    );
    expect(dateFields.filter((field) => !constraintNames.get(field)!.has(IS_STORABLE_INSTANT))).toEqual([]);
  });
});
