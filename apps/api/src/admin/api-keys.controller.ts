import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeysService, Principal } from '@helpdesk/core';
import { ApiAuthenticated, ApiPage, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, RequirePermission } from '../common/decorators';
import { IdParam } from '../common/id-param';
import { PageQueryDto } from '../common/pagination.dto';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-keys.dto';

@ApiTags('admin: API keys')
@ApiAuthenticated()
@ApiProblems(403)
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @RequirePermission('create', 'ApiKey')
  @ApiResult(201, CreatedApiKeyDto)
  @ApiOperation({ summary: 'Create a key; the response carries it once as `key`, only its hash is kept' })
  @ApiProblems(422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyDto) {
    return this.keys.create(principal, body, principal.kind === 'user' ? principal.id : null);
  }

  @Get()
  @RequirePermission('read', 'ApiKey')
  @ApiPage(ApiKeyDto)
  @ApiProblems(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return this.keys.list(principal, query);
  }

  @Get(':id')
  @RequirePermission('read', 'ApiKey')
  @ApiResult(200, ApiKeyDto)
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.keys.get(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('delete', 'ApiKey')
  @ApiOperation({ summary: 'Revoke a key; it stops working at once (kept, with revoked_at, for GET)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(404)
  async revoke(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.keys.revoke(principal, id);
  }
}
