import { DomainError } from '@helpdesk/domain';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The version an `If-Match` header names (`"3"`, `W/"3"` or `3`); 428 when it is required and absent. */
export function versionFromIfMatch(header: string | undefined): number {
  if (!header) throw new DomainError('precondition_required', 'Send If-Match with the ticket’s ETag (its version) to change it.');
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) throw new DomainError('precondition_failed', 'If-Match does not name a version of this ticket.');
  return Number(match[1]);
}
