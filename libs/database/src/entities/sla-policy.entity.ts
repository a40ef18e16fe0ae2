import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { TicketPriority } from '@helpdesk/domain';

const numeric = { to: (value: number | null) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

@Entity('sla_policies')
export class SlaPolicyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') tenant_id: string;
  @Column('text') priority: TicketPriority;
  @Column('integer') version: number;
  @Column('boolean') is_current: boolean;
  @Column('numeric', { transformer: numeric }) first_response_minutes: number;
  @Column('numeric', { transformer: numeric }) resolution_minutes: number;
  @Column('numeric', { transformer: numeric, nullable: true }) next_reply_minutes: number | null;
  @Column('numeric', { transformer: numeric }) near_breach_ratio: number;
  @Column('numeric', { transformer: numeric, nullable: true }) near_breach_minutes: number | null;
  @Column('numeric', { transformer: numeric, nullable: true }) reescalation_minutes: number | null;
  @Column('text', { array: true }) escalation_chain: string[];
  @Column({ type: 'jsonb', nullable: true }) business_hours: Record<string, unknown> | null;
  @Column('text', { array: true }) pause_statuses: string[];
  @Column({ type: 'uuid', nullable: true }) created_by: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}
