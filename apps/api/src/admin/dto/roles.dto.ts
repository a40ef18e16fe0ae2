import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { RoleRule } from '@helpdesk/access';
import { ROLE_NAME_PATTERN } from '@helpdesk/domain';
import { IsOmittable } from './is-omittable';

const RULES_DOC: ApiPropertyOptions = {
  description:
    'CASL rules: { action, subject, conditions?, fields?, inverted? }. Conditions may use ${user.id}, ${user.team_ids}, ${user.franchise_id}, ${user.region}, ${user.role}, ${user.email}.',
  example: [{ action: ['read', 'update'], subject: 'Ticket', conditions: { team_id: { $in: '${user.team_ids}' } } }],
  type: 'array',
  items: { type: 'object', additionalProperties: true },
};

export class CreateRoleDto {
  @ApiProperty({ example: 'night_shift' })
  @Matches(ROLE_NAME_PATTERN, { message: 'name must be 2-63 lowercase letters, digits or underscores, starting with a letter' })
  name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiProperty(RULES_DOC) @IsArray() @ArrayMaxSize(200) @IsObject({ each: true }) rules: RoleRule[];
}

export class UpdateRoleDto {
  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional(RULES_DOC) @IsOmittable() @IsArray() @ArrayMaxSize(200) @IsObject({ each: true }) rules?: RoleRule[];
}

export class RoleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ ...RULES_DOC, example: undefined }) rules: RoleRule[];
  @ApiProperty({ description: 'A seeded role' }) is_system: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}
