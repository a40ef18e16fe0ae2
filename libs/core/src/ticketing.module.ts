import { Module } from '@nestjs/common';
import { DatabaseModule } from '@helpdesk/database';
import { QueueModule } from '@helpdesk/queue';
import { CoreModule } from './core.module';
import { EscalationService } from './sla/escalation.service';
import { SlaMetrics } from './sla/sla-metrics';
import { SlaMonitorService } from './sla/sla-monitor.service';
import { SlaSweepService } from './sla/sla-sweep.service';
import { SlaViewService } from './sla/sla-view.service';
import { ArchiveTicket } from './tickets/archive-ticket';
import { AssignTicket } from './tickets/assign-ticket';
import { CreateTicket } from './tickets/create-ticket';
import { MessagesService } from './tickets/messages.service';
import { TicketRecorder } from './tickets/ticket-recorder';
import { TicketReferences } from './tickets/ticket-references';
import { TicketsService } from './tickets/tickets.service';
import { UpdateTicket } from './tickets/update-ticket';
import { WatchersService } from './tickets/watchers.service';

const USE_CASES = [
  TicketRecorder,
  TicketReferences,
  TicketsService,
  CreateTicket,
  UpdateTicket,
  AssignTicket,
  ArchiveTicket,
  MessagesService,
  WatchersService,
  EscalationService,
  SlaMonitorService,
  SlaSweepService,
  SlaViewService,
  SlaMetrics,
];

/** Tickets, their conversation and their SLA: what api and worker run. Needs the (global) ConfigModule. */
@Module({ imports: [CoreModule, DatabaseModule, QueueModule], providers: USE_CASES, exports: USE_CASES })
export class TicketingModule {}
