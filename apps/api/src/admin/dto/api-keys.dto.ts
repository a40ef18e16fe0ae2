import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { API_KEY_SCOPE_NAMES, ApiKeyScope, ROLE_NAME_PATTERN } from '@helpdesk/domain';
import { IsInstant } from '../../common/instant';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CRM integration' }) @IsString() @MinLength(1) @MaxLength(200) name: string;
  @ApiProperty({ example: 'hq_support', description: 'The role whose rules the key acts under' }) @Matches(ROLE_NAME_PATTERN) role: string;
  @ApiProperty({ enum: API_KEY_SCOPE_NAMES, isArray: true, description: 'Narrow the role further; never widen it' })
  @IsArray() @ArrayMinSize(1) @IsIn(API_KEY_SCOPE_NAMES, { each: true }) scopes: ApiKeyScope[];
  @ApiPropertyOptional({ description: 'Requests per rate-limit window' }) @IsOptional() @IsInt() @Min(1) @Max(10_000_000) rate_limit?: number;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant() expires_at?: Date;
}
