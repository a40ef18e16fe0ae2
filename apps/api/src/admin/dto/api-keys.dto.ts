import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { API_KEY_SCOPE_NAMES, ApiKeyScope, ROLE_NAME_PATTERN } from '@helpdesk/domain';
import { IsInstant } from '../../common/instant';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CRM integration' }) @IsString() @MinLength(1) @MaxLength(200) name: string;
  @ApiProperty({ example: 'hq_support', description: 'The role whose rules the key acts under' }) @Matches(ROLE_NAME_PATTERN) role: string;
  @ApiProperty({ enum: API_KEY_SCOPE_NAMES, isArray: true, description: 'Narrow the role further; never widen it' })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(API_KEY_SCOPE_NAMES, { each: true })
  scopes: ApiKeyScope[];
  @ApiPropertyOptional({ description: 'Requests per rate-limit window' }) @IsOptional() @IsInt() @Min(1) @Max(10_000_000) rate_limit?: number;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant() expires_at?: Date;
}

/** A key as listed: never the key itself, only its prefix. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'hd_Ab12Cd34' }) key_prefix: string;
  @ApiProperty() role: string;
  @ApiProperty({ enum: API_KEY_SCOPE_NAMES, isArray: true }) scopes: ApiKeyScope[];
  @ApiProperty({ type: 'integer', nullable: true }) rate_limit: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_used_at: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key, shown this once', example: 'hd_Ab12Cd34_...' }) key: string;
}
