import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

export class CreateMessageDto {
  @ApiProperty({ maxLength: 50000 }) @IsString() @MinLength(1) @MaxLength(50000) body: string;
  @ApiPropertyOptional({ default: false, description: 'An internal note: never shown to requesters' }) @IsOptional() @IsBoolean() internal?: boolean;
}

export class WatcherPreferencesDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() notify_email?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() notify_push?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() notify_sms?: boolean;
}

export class AddWatcherDto extends WatcherPreferencesDto {
  @ApiPropertyOptional({ description: 'Defaults to the caller' }) @IsOptional() @IsUUID() user_id?: string;
}
