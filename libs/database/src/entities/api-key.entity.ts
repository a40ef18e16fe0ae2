import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiKeyScope } from '@helpdesk/domain';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') tenant_id: string;
  @Column('text') name: string;
  @Column('text') key_prefix: string;
  @Column({ type: 'text', select: false }) key_hash: string;
  @Column('text') role: string;
  @Column('text', { array: true }) scopes: ApiKeyScope[];
  @Column({ type: 'integer', nullable: true }) rate_limit: number | null;
  @Column({ type: 'timestamptz', nullable: true }) expires_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) revoked_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) last_used_at: Date | null;
  @Column({ type: 'uuid', nullable: true }) created_by: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}
