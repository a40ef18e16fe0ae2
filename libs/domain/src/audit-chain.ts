import { createHash } from 'node:crypto';

/** The content of one audit row that its hash covers. */
export interface AuditContent {
  id: string;
  tenant_id: string;
  ticket_id: string;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  action: string;
  changes: Record<string, unknown>;
  ip: string | null;
  request_id: string | null;
  created_at: Date;
}

/** JSON with object keys sorted at every level, so that equal content always hashes alike. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * SHA-256 over the row's content and the previous row's hash: rewriting, removing or reordering
 * any row of a ticket's trail breaks every hash after it.
 */
export function auditHash(previousHash: string | null, content: AuditContent): string {
  return createHash('sha256')
    .update(previousHash ?? '')
    .update('\n')
    .update(canonicalJson(content))
    .digest('hex');
}

export interface AuditChainRow extends AuditContent {
  seq: number;
  prev_hash: string | null;
  hash: string;
}

export interface AuditChainReport {
  intact: boolean;
  rows: number;
  /** The first row whose stored hash or link does not match, when the chain is broken. */
  broken_at_seq: number | null;
  reason: string | null;
}

/** Checks a ticket's trail, rows in `seq` order. */
export function verifyAuditChain(rows: AuditChainRow[]): AuditChainReport {
  let previous: string | null = null;
  for (const row of rows) {
    if (row.prev_hash !== previous) return { intact: false, rows: rows.length, broken_at_seq: row.seq, reason: 'link to the previous row does not match' };
    const { seq: _seq, prev_hash: _prev, hash, ...content } = row;
    if (auditHash(previous, content) !== hash) return { intact: false, rows: rows.length, broken_at_seq: row.seq, reason: 'content does not match its hash' };
    previous = hash;
  }
  return { intact: true, rows: rows.length, broken_at_seq: null, reason: null };
}
