import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, SlaPoliciesService } from '@helpdesk/core';
import { ApiAuthenticated, ApiList, ApiProblems, ApiResult } from '../common/api-docs';
import { CurrentPrincipal, RequirePermission } from '../common/decorators';
import { PriorityParamDto, PutSlaPolicyDto, SlaPolicyDto } from './dto/sla-policies.dto';

@ApiTags('admin: SLA policies')
@ApiAuthenticated()
@ApiProblems(403)
@Controller('admin/sla-policies')
export class SlaPoliciesController {
  constructor(private readonly policies: SlaPoliciesService) {}

  @Get()
  @RequirePermission('read', 'SlaPolicy')
  @ApiList(SlaPolicyDto)
  @ApiOperation({ summary: 'The current policy of each priority', description: 'One policy per priority, its current version.' })
  list(@CurrentPrincipal() principal: Principal) {
    return this.policies.list(principal).then((data) => ({ data }));
  }

  @Get(':priority')
  @ApiOperation({ summary: 'The current policy of one priority', description: '404 when the tenant has none for the priority.' })
  @RequirePermission('read', 'SlaPolicy')
  @ApiResult(200, SlaPolicyDto)
  @ApiProblems(404, 422)
  get(@CurrentPrincipal() principal: Principal, @Param() params: PriorityParamDto) {
    return this.policies.get(principal, params.priority);
  }

  @Put(':priority')
  @RequirePermission('update', 'SlaPolicy')
  @ApiResult(200, SlaPolicyDto)
  @ApiOperation({
    summary: 'Replace the terms of a priority; stored as a new version, tickets keep the version they applied',
    description: 'Each target must fit in the working time the business-hours calendar guarantees (422 naming the target otherwise).',
  })
  @ApiProblems(422)
  put(@CurrentPrincipal() principal: Principal, @Param() params: PriorityParamDto, @Body() body: PutSlaPolicyDto) {
    return this.policies.put(principal, params.priority, body);
  }
}
