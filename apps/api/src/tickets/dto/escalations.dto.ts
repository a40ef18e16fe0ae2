import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, MaxLength, Min, MinLength } from 'class-validator';
import { IsInstant } from '../../common/instant';
import { PageQueryDto } from '../../common/pagination.dto';

export class EscalateDto {
  @ApiProperty({ description: 'Why; kept in the escalation log and the audit trail' }) @IsString() @MinLength(1) @MaxLength(500) reason: string;
  @ApiPropertyOptional({ description: 'The level you saw: 409 if the ticket has moved since (so two people do not escalate twice)' })
  @IsOptional() @IsInt() @Min(0) from_level?: number;
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
