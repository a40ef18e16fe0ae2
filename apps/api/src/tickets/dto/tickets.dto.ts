import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, registerDecorator } from 'class-validator';
import { SLA_STATES, SlaState, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES, TicketPriority, TicketStatus, TicketType } from '@helpdesk/domain';
import { TICKET_SORTS } from '@helpdesk/database';
import { IsInstant } from '../../common/instant';
import { PageQueryDto } from '../../common/pagination.dto';

const MAX_METADATA_BYTES = 16 * 1024;
const TAG = /^[\p{L}\p{N}][\p{L}\p{N}_.:-]{0,49}$/u;
const KIND = /^[a-z][a-z0-9_.-]{0,49}$/;

/** metadata: a JSON object of at most 16 KiB once serialised. */
function IsSmallJsonObject() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isSmallJsonObject',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a JSON object of at most ${MAX_METADATA_BYTES} bytes` },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && !Array.isArray(value) && Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES,
      },
    });
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

export class CreateTicketDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @MinLength(1) @MaxLength(200) title: string;
  @ApiPropertyOptional({ maxLength: 20000 }) @IsOptional() @IsString() @MaxLength(20000) description?: string;
  @ApiProperty({ enum: TICKET_TYPES }) @IsIn(TICKET_TYPES) type: TicketType;
  @ApiProperty({ enum: TICKET_PRIORITIES }) @IsIn(TICKET_PRIORITIES) priority: TicketPriority;
  @ApiPropertyOptional({ example: 'email', description: 'api, email, web, slack, manual, webhook, ...' }) @IsOptional() @Matches(KIND) source?: string;
  @ApiPropertyOptional({ description: 'Id in the source system; unique per tenant and source: a repeat returns the existing ticket (200)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  source_id?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG, { each: true, message: 'each tag must be 1-50 letters, digits, _ . : -' })
  tags?: string[];
  @ApiPropertyOptional({ example: 'payment' }) @IsOptional() @Matches(KIND) linked_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) linked_id?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsSmallJsonObject() metadata?: Record<string, unknown>;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() is_sensitive?: boolean;
  @ApiPropertyOptional({ description: 'Defaults to the caller' }) @IsOptional() @IsUUID() requester_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() team_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() assignee_id?: string;
  @ApiPropertyOptional({ description: 'Defaults to the requester’s' }) @IsOptional() @IsString() @MaxLength(100) franchise_id?: string;
  @ApiPropertyOptional({ description: 'Defaults to the requester’s' }) @IsOptional() @IsString() @MaxLength(100) region?: string;
}

export class UpdateTicketDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) title?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(20000) description?: string;
  @ApiPropertyOptional({ enum: TICKET_PRIORITIES, description: 'Recomputes the SLA due dates' })
  @IsOptional()
  @IsIn(TICKET_PRIORITIES)
  priority?: TicketPriority;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG, { each: true, message: 'each tag must be 1-50 letters, digits, _ . : -' })
  tags?: string[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsSmallJsonObject() metadata?: Record<string, unknown>;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() is_sensitive?: boolean;
  @ApiPropertyOptional({ enum: TICKET_STATUSES, description: 'Through the state machine: 409 with the allowed targets otherwise' })
  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: TicketStatus;
  @ApiPropertyOptional({ description: 'Required to resolve' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(5000) resolution_summary?: string;
}

export class AssignTicketDto {
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'null unassigns' }) @IsOptional() @IsUUID() assignee_id?: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'null clears the team' }) @IsOptional() @IsUUID() team_id?: string | null;
  @ApiProperty({ description: 'Why; kept in the audit trail' }) @IsString() @MinLength(1) @MaxLength(500) reason: string;
}

const SORT_VALUES = TICKET_SORTS.flatMap((s) => [s, `-${s}`]);

export class ListTicketsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Comma-separated', example: 'open,in_progress' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsIn(TICKET_STATUSES, { each: true })
  status?: TicketStatus[];
  @ApiPropertyOptional({ description: 'Comma-separated' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsIn(TICKET_PRIORITIES, { each: true })
  priority?: TicketPriority[];
  @ApiPropertyOptional({ description: 'Comma-separated' }) @IsOptional() @Transform(toList) @IsArray() @IsIn(TICKET_TYPES, { each: true }) type?: TicketType[];
  @ApiPropertyOptional({ description: 'Comma-separated' }) @IsOptional() @Transform(toList) @IsArray() @IsIn(SLA_STATES, { each: true }) sla_state?: SlaState[];
  @ApiPropertyOptional() @IsOptional() @IsUUID() assignee_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() team_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() requester_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) owner_role?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(TAG) tag?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(KIND) linked_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) linked_id?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(toBoolean) @IsBoolean() escalated?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @Transform(toBoolean) @IsBoolean() archived?: boolean;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant() created_after?: Date;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant() created_before?: Date;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant() due_before?: Date;
  @ApiPropertyOptional({ description: 'Full-text search over title and description (web search syntax: "exact phrase", -not, or)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
  @ApiPropertyOptional({ enum: SORT_VALUES, default: '-created_at', description: 'A leading - sorts descending' })
  @IsOptional()
  @IsIn(SORT_VALUES)
  sort?: string;
}

export class AuditQueryDto extends PageQueryDto {}
