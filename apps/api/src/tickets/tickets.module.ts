import { Module } from '@nestjs/common';
import { TicketingModule } from '@helpdesk/core';
import { MessagesController } from './messages.controller';
import { TicketsController } from './tickets.controller';
import { WatchersController } from './watchers.controller';
import { EscalationsController } from './escalations.controller';

@Module({ imports: [TicketingModule], controllers: [TicketsController, MessagesController, WatchersController, EscalationsController] })
export class TicketsModule {}
