import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@helpdesk/config';
import { CoreModule, HealthModule } from '@helpdesk/core';
import { RedisModule } from '@helpdesk/queue';
import { AdminModule } from './admin/admin.module';
import { TicketsModule } from './tickets/tickets.module';
import { AuthController } from './auth/auth.controller';
import { LoginBackoff } from './auth/login-backoff';
import { AuthGuard } from './common/auth.guard';
import { PermissionsGuard } from './common/permissions.guard';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import { RateLimitGuard } from './common/rate-limit.guard';
import { createValidationPipe } from './common/validation';
import { HealthController } from './health/health.controller';
import { ApiMetrics } from './metrics/api-metrics';
import { MetricsController } from './metrics/metrics.controller';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      // What this module's own controllers, guards and LoginBackoff use; the feature modules import theirs.
      imports: [ConfigModule.forRoot(config), CoreModule, RedisModule, HealthModule, AdminModule, TicketsModule],
      controllers: [AuthController, HealthController, MetricsController],
      providers: [
        LoginBackoff,
        ApiMetrics,
        // Guards run in this order: who is calling, how often, may they call this route.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: PermissionsGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
