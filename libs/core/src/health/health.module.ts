import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule } from '@helpdesk/database';
import { RedisModule } from '@helpdesk/queue';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), DatabaseModule, RedisModule],
  providers: [ReadinessService],
  exports: [ReadinessService],
})
export class HealthModule {}
