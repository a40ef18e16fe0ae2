import { Module } from '@nestjs/common';
import { MessagesController } from './messages.controller';
import { TicketsController } from './tickets.controller';
import { WatchersController } from './watchers.controller';

@Module({ controllers: [TicketsController, MessagesController, WatchersController] })
export class TicketsModule {}
