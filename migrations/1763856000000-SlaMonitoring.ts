import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the SLA worker needs on top of the initial schema: once-per-window SLA events enforced by
 * the database, per-policy warning minutes and re-escalation, and fast lookups of a ticket's
 * escalations by breach.
 */
export class SlaMonitoring1763856000000 implements MigrationInterface {
  name = 'SlaMonitoring1763856000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sla_events ADD COLUMN window_key text;
      CREATE UNIQUE INDEX sla_events_window_key ON sla_events (ticket_id, kind, window_key) WHERE window_key IS NOT NULL;

      ALTER TABLE sla_policies
        ADD COLUMN near_breach_minutes numeric(14, 4) CHECK (near_breach_minutes > 0),
        ADD COLUMN reescalation_minutes numeric(14, 4) CHECK (reescalation_minutes > 0);

      -- The warning instants beside the due dates, so that the SLA state can be read at any
      -- moment in SQL without waiting for the worker.
      ALTER TABLE tickets ADD COLUMN first_response_warn_at timestamptz, ADD COLUMN resolution_warn_at timestamptz;

      -- The next-reply target: from a requester's message to the next public agent reply.
      ALTER TABLE tickets ADD COLUMN next_reply_started_at timestamptz, ADD COLUMN next_reply_due_at timestamptz;
      ALTER TABLE ticket_escalations DROP CONSTRAINT ticket_escalations_trigger_check,
        ADD CONSTRAINT ticket_escalations_trigger_check CHECK (trigger IN ('first_response_breach', 'resolution_breach', 'next_reply_breach', 'manual'));

      CREATE INDEX ticket_escalations_ticket_idx ON ticket_escalations (ticket_id, created_at DESC);
      CREATE INDEX ticket_escalations_breach_idx ON ticket_escalations (ticket_id, breach_key);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX ticket_escalations_breach_idx;
      DROP INDEX ticket_escalations_ticket_idx;
      ALTER TABLE ticket_escalations DROP CONSTRAINT ticket_escalations_trigger_check,
        ADD CONSTRAINT ticket_escalations_trigger_check CHECK (trigger IN ('first_response_breach', 'resolution_breach', 'manual'));
      ALTER TABLE tickets DROP COLUMN next_reply_due_at, DROP COLUMN next_reply_started_at;
      ALTER TABLE tickets DROP COLUMN resolution_warn_at, DROP COLUMN first_response_warn_at;
      ALTER TABLE sla_policies DROP COLUMN reescalation_minutes, DROP COLUMN near_breach_minutes;
      DROP INDEX sla_events_window_key;
      ALTER TABLE sla_events DROP COLUMN window_key;
    `);
  }
}
