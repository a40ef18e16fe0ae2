import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') tenant_id: string;
  @Column('text') email: string;
  @Column('text') name: string;
  @Column({ type: 'text', nullable: true, select: false }) password_hash: string | null;
  @Column('text') role: string;
  @Column('uuid', { array: true }) team_ids: string[];
  @Column({ type: 'text', nullable: true }) franchise_id: string | null;
  @Column({ type: 'text', nullable: true }) region: string | null;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column('text', { array: true }) push_tokens: string[];
  @Column({ type: 'integer', nullable: true }) rate_limit: number | null;
  @Column('boolean') active: boolean;
  /**
   * The generation of the user's access tokens: a token carries the value it was issued with and
   * stops working once the column moves on (a new password, a deactivation). Not part of the API.
   */
  @Column({ type: 'integer', select: false }) token_version: number;
  @Column({ type: 'timestamptz', nullable: true }) last_login_at: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at: Date;
}
