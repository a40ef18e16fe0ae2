import { ApiProperty } from '@nestjs/swagger';

/** One row of a ticket's append-only, hash-chained audit trail. */
export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'integer', description: 'Position in the ticket’s chain' }) seq: number;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) ticket_id: string;
  @ApiProperty({ enum: ['user', 'api_key', 'system'] }) actor_type: string;
  @ApiProperty({ type: String, nullable: true }) actor_id: string | null;
  @ApiProperty({ example: 'ticket.updated' }) action: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Old and new values of each changed field' }) changes: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ type: String, nullable: true }) request_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, nullable: true }) prev_hash: string | null;
  @ApiProperty() hash: string;
}

export class AuditChainReportDto {
  @ApiProperty() intact: boolean;
  @ApiProperty({ type: 'integer' }) rows: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The first row whose hash or link does not match' }) broken_at_seq: number | null;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
}
