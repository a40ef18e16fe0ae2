import { Module } from '@nestjs/common';
import { MessagesController } from './messages.controller';
import { TicketsController } from './tickets.controller';
import { WatchersController } from './watchers.controller';
import { EscalationsController } from './escalations.controller';

@Module({ controllers: [TicketsController, MessagesController, WatchersController, EscalationsController] })
export class TicketsModule {}
