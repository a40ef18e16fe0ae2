import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { SlaPolicyTerms, TicketPriority } from '@helpdesk/domain';
import { SlaPolicyEntity } from '../entities';
import { PRIORITY_ORDER_SQL } from '../domain-sql';
import type { AccessCondition } from '../sql';

export interface SlaPolicyFields extends SlaPolicyTerms {
  next_reply_minutes: number | null;
  /** Warning this many minutes before each due instant, instead of near_breach_ratio. */
  near_breach_minutes: number | null;
  /** An unacknowledged breach escalates one more level after this many minutes; null: once. */
  reescalation_minutes: number | null;
  business_hours: Record<string, unknown> | null;
  pause_statuses: string[];
}

@Injectable()
export class SlaPoliciesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `access` is the caller's read condition on alias `p`. */
  listCurrent(tenantId: string, access: AccessCondition): Promise<SlaPolicyEntity[]> {
    return this.dataSource.manager
      .createQueryBuilder(SlaPolicyEntity, 'p')
      .where('p.tenant_id = :tenantId AND p.is_current', { tenantId })
      .andWhere(`(${access.sql})`, access.params)
      .orderBy(`array_position(${PRIORITY_ORDER_SQL}, p.priority)`)
      .getMany();
  }

  findCurrent(tenantId: string, priority: TicketPriority, manager: EntityManager = this.dataSource.manager): Promise<SlaPolicyEntity | null> {
    return manager.findOneBy(SlaPolicyEntity, { tenant_id: tenantId, priority, is_current: true });
  }

  /** A policy version by id (tickets point at the version they applied). */
  findById(tenantId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<SlaPolicyEntity | null> {
    return manager.findOneBy(SlaPolicyEntity, { tenant_id: tenantId, id });
  }

  /**
   * Stores new terms as the next version of the priority's policy. Tickets keep the version they
   * were stamped with; the row lock on the current version serialises concurrent edits.
   */
  async putNewVersion(
    tenantId: string,
    priority: TicketPriority,
    fields: SlaPolicyFields,
    createdBy: string | null,
    manager?: EntityManager,
  ): Promise<SlaPolicyEntity> {
    const work = async (tx: EntityManager) => {
      // Edits of one priority queue here. A row lock alone is not enough: a waiter would wake to
      // find the row it waited for no longer current and collide on the unique version.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sla-policy:${tenantId}:${priority}`]);
      const [current] = await tx.query('SELECT id, version FROM sla_policies WHERE tenant_id = $1 AND priority = $2 AND is_current FOR UPDATE', [
        tenantId,
        priority,
      ]);
      if (current) await tx.query('UPDATE sla_policies SET is_current = false WHERE id = $1', [current.id]);
      const version = current ? current.version + 1 : 1;
      return tx.save(tx.create(SlaPolicyEntity, { ...fields, tenant_id: tenantId, priority, version, is_current: true, created_by: createdBy }));
    };
    return manager ? work(manager) : this.dataSource.transaction(work);
  }
}
