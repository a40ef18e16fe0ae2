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
  @ApiOperation({
    summary: 'Create a key; the response carries it once as `key`, only its hash is kept',
    description:
      'Needs create on ApiKey. The key acts under the named role, narrowed by its scopes, and is rate-limited by rate_limit (or the configured default). Store `key` at once: it cannot be shown again.',
  })
  @ApiProblems(422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyDto) {
    return this.keys.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (keyset pagination)', description: 'The tenant’s keys, by prefix; never the key itself.' })
  @RequirePermission('read', 'ApiKey')
  @ApiPage(ApiKeyDto)
  @ApiProblems(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return this.keys.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One API key', description: 'The key’s prefix, role, scopes, limits and last use; never the key itself.' })
  @RequirePermission('read', 'ApiKey')
  @ApiResult(200, ApiKeyDto)
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @IdParam() id: string) {
    return this.keys.get(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('delete', 'ApiKey')
  @ApiOperation({
    summary: 'Revoke a key; it stops working at once (kept, with revoked_at, for GET)',
    description: 'Needs delete on ApiKey. Requests with the key answer 401 from then on.',
  })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(404)
  async revoke(@CurrentPrincipal() principal: Principal, @IdParam() id: string): Promise<void> {
    await this.keys.revoke(principal, id);
  }
}
