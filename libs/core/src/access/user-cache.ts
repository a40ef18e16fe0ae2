import { Injectable } from '@nestjs/common';
import { SessionUser, UsersRepository } from '@helpdesk/database';

const TTL_MS = 2_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  found: SessionUser | null;
  at: number;
}

/**
 * The users behind access tokens, with the state of the token's session, kept for two seconds
 * per process: every authenticated request needs its user (active? role? teams? token
 * generation? session revoked?), and reading it each time doubled the queries of a simple read.
 * One query fills an entry (`UsersRepository.findForSession`). A change made through this
 * process applies at once (it evicts the user's entries); other processes see it within the TTL,
 * which is therefore how long a revoked session's access tokens can still be used.
 */
@Injectable()
export class UserCache {
  /** Per user (`tenant:user`), per session id. */
  private readonly entries = new Map<string, Map<string, Entry>>();
  private size = 0;

  constructor(private readonly users: UsersRepository) {}

  async get(tenantId: string, id: string, sessionId: string): Promise<SessionUser | null> {
    const key = `${tenantId}:${id}`;
    const cached = this.entries.get(key)?.get(sessionId);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.found;
    const found = await this.users.findForSession(tenantId, id, sessionId);
    if (this.size >= MAX_ENTRIES) this.clear();
    let sessions = this.entries.get(key);
    if (!sessions) this.entries.set(key, (sessions = new Map()));
    if (!sessions.has(sessionId)) this.size += 1;
    sessions.set(sessionId, { found, at: Date.now() });
    return found;
  }

  /** Every session of the user. */
  evict(tenantId: string, id: string): void {
    const key = `${tenantId}:${id}`;
    this.size -= this.entries.get(key)?.size ?? 0;
    this.entries.delete(key);
  }

  /** For changes that touch many users at once (a team deleted from everyone's list). */
  clear(): void {
    this.entries.clear();
    this.size = 0;
  }
}
