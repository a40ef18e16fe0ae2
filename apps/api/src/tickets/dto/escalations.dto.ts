import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, MaxLength, Min, MinLength } from 'class-validator';
import { IsInstant } from '../../common/instant';
import { SLA_STATES } from '@helpdesk/domain';
import { PageQueryDto } from '../../common/pagination.dto';

export class EscalateDto {
  @ApiProperty({ description: 'Why; kept in the escalation log and the audit trail' }) @IsString() @MinLength(1) @MaxLength(500) reason: string;
  @ApiPropertyOptional({ description: 'The level you saw: 409 if the ticket has moved since (so two people do not escalate twice)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  from_level?: number;
}

export class DeEscalateDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(500) reason: string;
}

const TRIGGERS = ['first_response_breach', 'resolution_breach', 'next_reply_breach', 'manual'] as const;

export class ListEscalationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TRIGGERS }) @IsOptional() @IsIn(TRIGGERS) trigger?: (typeof TRIGGERS)[number];
  @ApiPropertyOptional() @IsOptional() @IsUUID() ticket_id?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant() since?: Date;
}

/** One step of a ticket along its escalation chain. */
export class EscalationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) ticket_id: string;
  @ApiProperty({ type: 'integer' }) from_level: number;
  @ApiProperty({ type: 'integer' }) to_level: number;
  @ApiProperty({ type: String, nullable: true }) from_role: string | null;
  @ApiProperty() to_role: string;
  @ApiProperty({ enum: TRIGGERS }) trigger: (typeof TRIGGERS)[number];
  @ApiProperty({ description: 'Which breach (or manual step) this escalation answers' }) breach_key: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ description: 'The chain had no further step' }) chain_exhausted: boolean;
  @ApiProperty({ enum: ['user', 'api_key', 'system'] }) actor_type: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actor_id: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acknowledged_at: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) acknowledged_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class EscalateResultDto {
  @ApiProperty({ enum: ['escalated', 'exhausted'], description: 'exhausted: the chain has no further step' }) outcome: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The escalation written (an Escalation), or null when the chain was already exhausted',
  })
  escalation: EscalationDto | null;
}

export class DeEscalateResultDto {
  @ApiProperty({ format: 'uuid' }) ticket_id: string;
  @ApiProperty({ type: 'integer' }) escalation_level: number;
  @ApiProperty({ type: String, nullable: true }) owner_role: string | null;
}

class SlaTargetDto {
  @ApiProperty({ enum: ['first_response', 'resolution', 'next_reply'] }) target: string;
  @ApiProperty({ format: 'date-time' }) due_at: string;
  @ApiProperty({ format: 'date-time' }) near_breach_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) met_at: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Business minutes left (negative: overdue); null once met' }) remaining_minutes: number | null;
  @ApiProperty({ enum: ['met', 'met_late', 'pending', 'breached', 'paused'] }) status: string;
}

class SlaEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) ticket_id: string;
  @ApiProperty({ enum: ['applied', 'paused', 'resumed', 'near_breach', 'breached', 'met', 'escalated', 'acknowledged'] }) kind: string;
  // No enum: OpenAPI 3.0 would need null among its values, which generators handle badly.
  @ApiProperty({ type: String, nullable: true, description: 'first_response, next_reply or resolution; null for an event of the whole ticket' }) target:
    string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) window_key: string | null;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
}

export class TicketSlaDto {
  @ApiProperty({ format: 'uuid' }) ticket_id: string;
  @ApiProperty({ enum: SLA_STATES }) sla_state: string;
  @ApiProperty({
    type: 'object',
    nullable: true,
    description: 'The policy version the ticket applies',
    properties: {
      id: { type: 'string', format: 'uuid' },
      priority: { type: 'string' },
      version: { type: 'integer' },
      escalation_chain: { type: 'array', items: { type: 'string' } },
    },
  })
  policy: { id: string; priority: string; version: number; escalation_chain: string[] } | null;
  @ApiProperty({ type: 'integer' }) escalation_level: number;
  @ApiProperty({ type: String, nullable: true }) owner_role: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) paused_since: string | null;
  @ApiProperty({ type: [SlaTargetDto] }) targets: SlaTargetDto[];
  @ApiProperty({ type: [SlaEventDto] }) events: SlaEventDto[];
  @ApiProperty({ type: [EscalationDto] }) escalations: EscalationDto[];
}
