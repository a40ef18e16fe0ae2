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

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) ticket_id: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user who wrote it (null when an API key did)' }) author_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) author_api_key_id: string | null;
  @ApiProperty() body: string;
  @ApiProperty({ description: 'An internal note' }) internal: boolean;
  @ApiProperty({ type: [String] }) attachment_ids: string[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class WatcherDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) ticket_id: string;
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty() notify_email: boolean;
  @ApiProperty() notify_push: boolean;
  @ApiProperty() notify_sms: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}
