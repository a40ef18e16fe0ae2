import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { dataSourceOptions } from './data-source';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { RefreshTokensRepository } from './repositories/refresh-tokens.repository';
import { RolesRepository } from './repositories/roles.repository';
import { SlaPoliciesRepository } from './repositories/sla-policies.repository';
import { TeamsRepository } from './repositories/teams.repository';
import { TenantsRepository } from './repositories/tenants.repository';
import { UsersRepository } from './repositories/users.repository';
import { IdempotencyRepository } from './repositories/idempotency.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { TicketAuditRepository } from './repositories/ticket-audit.repository';
import { TicketMessagesRepository } from './repositories/ticket-messages.repository';
import { TicketWatchersRepository } from './repositories/ticket-watchers.repository';
import { TicketsRepository } from './repositories/tickets.repository';
import { TicketEscalationsRepository } from './repositories/ticket-escalations.repository';
import { SlaEventsRepository } from './repositories/sla-events.repository';

const REPOSITORIES = [
  TenantsRepository,
  RolesRepository,
  TeamsRepository,
  UsersRepository,
  SlaPoliciesRepository,
  ApiKeysRepository,
  RefreshTokensRepository,
  TicketsRepository,
  TicketMessagesRepository,
  TicketWatchersRepository,
  TicketAuditRepository,
  OutboxRepository,
  IdempotencyRepository,
  TicketEscalationsRepository,
  SlaEventsRepository,
];

/**
 * The connection (TypeORM's DataSource, which @nestjs/typeorm provides to every module) and the
 * repositories. Modules that use a repository import this one; it is created once however many do.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config.databaseUrl), retryAttempts: 0 }),
    }),
  ],
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class DatabaseModule {}
