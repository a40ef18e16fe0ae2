import type { EventActor } from '@helpdesk/domain';
import type { Principal } from './principal';

/** Who asks, from where: what every use case that writes audit rows needs. */
export interface RequestContext {
  principal: Principal;
  ip: string | null;
  requestId: string | null;
}

/** Whom an audit row and an event name as the actor of a change. */
export interface Origin {
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  ip: string | null;
  request_id: string | null;
}

export function originOf(context: RequestContext): Origin {
  return { actor_type: context.principal.kind, actor_id: context.principal.id, ip: context.ip, request_id: context.requestId };
}

export function eventActorOf(origin: Origin): EventActor {
  return { actor_type: origin.actor_type, actor_id: origin.actor_id };
}

/** The worker acting on its own (SLA breaches). */
export const SYSTEM_ORIGIN: Origin = Object.freeze({ actor_type: 'system', actor_id: null, ip: null, request_id: null });
