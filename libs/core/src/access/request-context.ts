import type { Principal } from './principal';

/** Who asks, from where: what every use case that writes audit rows needs. */
export interface RequestContext {
  principal: Principal;
  ip: string | null;
  requestId: string | null;
}

export function actorOf(context: RequestContext): { actor_type: 'user' | 'api_key'; actor_id: string } {
  return { actor_type: context.principal.kind, actor_id: context.principal.id };
}
