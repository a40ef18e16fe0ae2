import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ROLE_NAME_PATTERN } from '@helpdesk/domain';
import { PageQueryDto } from '../../common/pagination.dto';
import { IsOmittable } from './is-omittable';

export class CreateUserDto {
  @ApiProperty() @IsEmail() @MaxLength(320) email: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name: string;
  @ApiPropertyOptional({ description: 'Set by the admin; at least 12 characters. Without it the user cannot log in.' })
  @IsOptional()
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password?: string;
  @ApiProperty({ example: 'ops_agent' }) @Matches(ROLE_NAME_PATTERN) role: string;
  @ApiPropertyOptional({ type: [String] }) @IsOmittable() @IsArray() @ArrayMaxSize(100) @IsUUID('all', { each: true }) team_ids?: string[];
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() @MaxLength(100) franchise_id?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() @MaxLength(100) region?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '+15551234567', pattern: '^\\+[1-9]\\d{6,14}$' })
  @IsOptional()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'phone must be in E.164 form, e.g. +15551234567' })
  phone?: string | null;
  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  push_tokens?: string[];
  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'Requests per rate-limit window; default from configuration' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  rate_limit?: number | null;
}

// skipNullProperties: false: a null email, name or role is refused (422), not passed on as "absent".
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() active?: boolean;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @Matches(ROLE_NAME_PATTERN) role?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() team_id?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;
}

/** A user as the api answers; phone and push_tokens only to callers who may update the user. */
export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty() role: string;
  @ApiProperty({ type: [String] }) team_ids: string[];
  @ApiProperty({ type: String, nullable: true }) franchise_id: string | null;
  @ApiProperty({ type: String, nullable: true }) region: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '+15551234567' }) phone?: string | null;
  @ApiPropertyOptional({ type: [String] }) push_tokens?: string[];
  @ApiProperty({ type: 'integer', nullable: true }) rate_limit: number | null;
  @ApiProperty() active: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_login_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}
