import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsNumber, IsObject, IsOptional, Matches, Max, Min } from 'class-validator';
import {
  ROLE_NAME_PATTERN,
  SLA_STORED_STEP,
  SLA_TARGET_HORIZON_YEARS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TicketPriority,
  TicketStatus,
} from '@helpdesk/domain';

/** Positive minutes that survive being stored to 4 decimal places (a smaller one would be stored as 0). */
const AtLeastOneStep = () => Min(SLA_STORED_STEP, { message: `$property must be at least ${SLA_STORED_STEP} (minutes are kept to 4 decimal places)` });

export class PriorityParamDto {
  @ApiProperty({ enum: TICKET_PRIORITIES }) @IsIn(TICKET_PRIORITIES) priority: TicketPriority;
}

export class PutSlaPolicyDto {
  @ApiProperty({ description: 'Minutes to the first public agent reply; fractions allowed (business minutes with business_hours)', example: 480 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @AtLeastOneStep()
  @Max(525_600)
  first_response_minutes: number;

  @ApiProperty({ description: 'Minutes to resolution; at least first_response_minutes (business minutes with business_hours)', example: 2880 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @AtLeastOneStep()
  @Max(5_256_000)
  resolution_minutes: number;

  @ApiPropertyOptional({
    description: 'Minutes from each requester message to the next public agent reply (business minutes with business_hours)',
    type: Number,
    nullable: true,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @AtLeastOneStep()
  @Max(525_600)
  next_reply_minutes?: number | null;

  @ApiPropertyOptional({ description: 'Warn this many business minutes before each due instant (instead of near_breach_ratio)', type: Number, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @AtLeastOneStep()
  @Max(525_600)
  near_breach_minutes?: number | null;

  @ApiPropertyOptional({
    description: 'An unacknowledged breach escalates one more level after this many minutes (unset: once per breach)',
    type: Number,
    nullable: true,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @AtLeastOneStep()
  @Max(525_600)
  reescalation_minutes?: number | null;

  @ApiPropertyOptional({ description: 'Fraction of the window left at which a ticket is near breach', default: 0.2 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  near_breach_ratio?: number;

  @ApiProperty({ type: [String], example: ['ops_agent', 'ops_manager', 'regional_manager'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @Matches(ROLE_NAME_PATTERN, { each: true })
  escalation_chain: string[];

  @ApiPropertyOptional({
    description: `Business hours calendar (time zone, weekly hours, holidays). Each target must fit in the working time the calendar guarantees within ${SLA_TARGET_HORIZON_YEARS} years (whole weeks of its weekly hours, less what its holidays and DST gaps can take); a larger one is refused (422 naming the target)`,
    nullable: true,
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  business_hours?: Record<string, unknown> | null;

  @ApiPropertyOptional({ enum: TICKET_STATUSES, isArray: true, description: 'Statuses that pause the clock' })
  @IsOptional()
  @IsArray()
  @IsIn(TICKET_STATUSES, { each: true })
  pause_statuses?: TicketStatus[];
}

/** One version of a priority's terms. */
export class SlaPolicyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ enum: TICKET_PRIORITIES }) priority: TicketPriority;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty() is_current: boolean;
  @ApiProperty() first_response_minutes: number;
  @ApiProperty() resolution_minutes: number;
  @ApiProperty({ type: Number, nullable: true }) next_reply_minutes: number | null;
  @ApiProperty() near_breach_ratio: number;
  @ApiProperty({ type: Number, nullable: true }) near_breach_minutes: number | null;
  @ApiProperty({ type: Number, nullable: true }) reescalation_minutes: number | null;
  @ApiProperty({ type: [String] }) escalation_chain: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) business_hours: Record<string, unknown> | null;
  @ApiProperty({ enum: TICKET_STATUSES, isArray: true }) pause_statuses: TicketStatus[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}
