import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole data model of DESIGN.md. Later features fill these tables; their shape (and the
 * indexes their queries need) is decided here.
 */
export class InitialSchema1763769600000 implements MigrationInterface {
  name = 'InitialSchema1763769600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE roles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{1,62}$'),
        description text NOT NULL DEFAULT '',
        rules jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(rules) = 'array'),
        is_system boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      );

      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX teams_tenant_name_key ON teams (tenant_id, lower(name));

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        password_hash text,
        role text NOT NULL,
        team_ids uuid[] NOT NULL DEFAULT '{}',
        franchise_id text,
        region text,
        phone text,
        push_tokens text[] NOT NULL DEFAULT '{}',
        rate_limit integer CHECK (rate_limit > 0),
        active boolean NOT NULL DEFAULT true,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, role) REFERENCES roles (tenant_id, name) ON UPDATE CASCADE
      );
      CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, lower(email));
      CREATE INDEX users_email_idx ON users (lower(email));
      CREATE INDEX users_tenant_created_idx ON users (tenant_id, created_at, id);
      CREATE INDEX users_team_ids_idx ON users USING gin (team_ids);
      CREATE INDEX users_tenant_role_idx ON users (tenant_id, role) WHERE active;

      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

      CREATE TABLE sla_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
        version integer NOT NULL DEFAULT 1 CHECK (version > 0),
        is_current boolean NOT NULL DEFAULT true,
        first_response_minutes numeric(14, 4) NOT NULL CHECK (first_response_minutes > 0),
        resolution_minutes numeric(14, 4) NOT NULL,
        next_reply_minutes numeric(14, 4) CHECK (next_reply_minutes > 0),
        near_breach_ratio numeric(5, 4) NOT NULL DEFAULT 0.2 CHECK (near_breach_ratio > 0 AND near_breach_ratio < 1),
        escalation_chain text[] NOT NULL CHECK (cardinality(escalation_chain) > 0),
        business_hours jsonb,
        pause_statuses text[] NOT NULL DEFAULT '{awaiting_customer,awaiting_third_party}',
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (resolution_minutes >= first_response_minutes),
        UNIQUE (tenant_id, priority, version)
      );
      CREATE UNIQUE INDEX sla_policies_current_key ON sla_policies (tenant_id, priority) WHERE is_current;

      CREATE TABLE tickets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
        type text NOT NULL CHECK (type IN ('bug', 'feature', 'support', 'task', 'question', 'incident')),
        priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
        status text NOT NULL DEFAULT 'new'
          CHECK (status IN ('new', 'open', 'in_progress', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'closed', 'wont_fix')),
        source text NOT NULL DEFAULT 'api',
        source_id text,
        requester_id uuid REFERENCES users (id),
        assignee_id uuid REFERENCES users (id),
        team_id uuid REFERENCES teams (id),
        owner_role text,
        franchise_id text,
        region text,
        linked_type text,
        linked_id text,
        tags text[] NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
        is_sensitive boolean NOT NULL DEFAULT false,
        archived boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        sla_policy_id uuid REFERENCES sla_policies (id),
        first_response_due_at timestamptz,
        first_responded_at timestamptz,
        resolution_due_at timestamptz,
        sla_paused_at timestamptz,
        sla_paused_seconds numeric(14, 3) NOT NULL DEFAULT 0,
        sla_state text NOT NULL DEFAULT 'on_track' CHECK (sla_state IN ('on_track', 'near_breach', 'breached', 'paused', 'met')),
        next_sla_check_at timestamptz,
        escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
        breached_at timestamptz,
        reopen_count integer NOT NULL DEFAULT 0,
        resolution_summary text,
        resolved_at timestamptz,
        closed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
        ) STORED
      );
      CREATE UNIQUE INDEX tickets_source_key ON tickets (tenant_id, source, source_id) WHERE source_id IS NOT NULL;
      CREATE INDEX tickets_created_idx ON tickets (tenant_id, created_at, id) WHERE NOT archived;
      CREATE INDEX tickets_team_idx ON tickets (tenant_id, team_id, created_at, id) WHERE NOT archived;
      CREATE INDEX tickets_assignee_idx ON tickets (tenant_id, assignee_id, created_at, id) WHERE NOT archived;
      CREATE INDEX tickets_requester_idx ON tickets (tenant_id, requester_id, created_at, id);
      CREATE INDEX tickets_status_priority_idx ON tickets (tenant_id, status, priority, created_at, id) WHERE NOT archived;
      CREATE INDEX tickets_franchise_idx ON tickets (tenant_id, franchise_id, created_at, id) WHERE NOT archived;
      CREATE INDEX tickets_region_idx ON tickets (tenant_id, region, created_at, id) WHERE NOT archived;
      CREATE INDEX tickets_linked_idx ON tickets (tenant_id, linked_type, linked_id);
      CREATE INDEX tickets_resolution_due_idx ON tickets (tenant_id, resolution_due_at)
        WHERE status NOT IN ('resolved', 'closed', 'wont_fix');
      CREATE INDEX tickets_sla_check_idx ON tickets (next_sla_check_at, id)
        WHERE next_sla_check_at IS NOT NULL AND status NOT IN ('resolved', 'closed', 'wont_fix');
      CREATE INDEX tickets_search_idx ON tickets USING gin (search);
      CREATE INDEX tickets_tags_idx ON tickets USING gin (tags);

      CREATE TABLE ticket_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        author_id uuid REFERENCES users (id),
        author_api_key_id uuid,
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
        internal boolean NOT NULL DEFAULT false,
        attachment_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ticket_messages_ticket_idx ON ticket_messages (ticket_id, created_at, id);

      CREATE TABLE ticket_watchers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        notify_email boolean NOT NULL DEFAULT true,
        notify_push boolean NOT NULL DEFAULT false,
        notify_sms boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (ticket_id, user_id)
      );
      CREATE INDEX ticket_watchers_user_idx ON ticket_watchers (user_id);

      CREATE TABLE ticket_attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        message_id uuid REFERENCES ticket_messages (id) ON DELETE SET NULL,
        object_key text NOT NULL UNIQUE,
        file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
        content_type text NOT NULL,
        size_bytes bigint CHECK (size_bytes >= 0),
        checksum_sha256 text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'rejected')),
        is_sensitive boolean NOT NULL DEFAULT false,
        uploaded_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ticket_attachments_ticket_idx ON ticket_attachments (ticket_id, created_at, id);

      CREATE TABLE ticket_audit (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        ticket_id uuid NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
        actor_id uuid,
        action text NOT NULL,
        changes jsonb NOT NULL DEFAULT '{}',
        ip text,
        request_id text,
        prev_hash text,
        hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ticket_audit_ticket_idx ON ticket_audit (tenant_id, ticket_id, seq);

      CREATE FUNCTION ticket_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'ticket_audit is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $fn$;
      CREATE TRIGGER ticket_audit_no_update_delete BEFORE UPDATE OR DELETE ON ticket_audit
        FOR EACH ROW EXECUTE FUNCTION ticket_audit_is_append_only();
      CREATE TRIGGER ticket_audit_no_truncate BEFORE TRUNCATE ON ticket_audit
        FOR EACH STATEMENT EXECUTE FUNCTION ticket_audit_is_append_only();

      CREATE TABLE ticket_escalations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        from_level integer NOT NULL,
        to_level integer NOT NULL,
        from_role text,
        to_role text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('first_response_breach', 'resolution_breach', 'manual')),
        breach_key text NOT NULL,
        reason text,
        chain_exhausted boolean NOT NULL DEFAULT false,
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
        actor_id uuid,
        acknowledged_at timestamptz,
        acknowledged_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (ticket_id, to_level, breach_key)
      );
      CREATE INDEX ticket_escalations_recent_idx ON ticket_escalations (tenant_id, created_at, id);

      CREATE TABLE sla_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('applied', 'paused', 'resumed', 'near_breach', 'breached', 'met', 'escalated', 'acknowledged')),
        target text CHECK (target IN ('first_response', 'next_reply', 'resolution')),
        details jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sla_events_ticket_idx ON sla_events (ticket_id, occurred_at, id);

      CREATE TABLE outbox_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts integer NOT NULL DEFAULT 0
      );
      CREATE INDEX outbox_events_unpublished_idx ON outbox_events (seq) WHERE published_at IS NULL;
      CREATE INDEX outbox_events_aggregate_idx ON outbox_events (tenant_id, aggregate_id, seq);

      CREATE TABLE notification_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
        recipient_key text NOT NULL,
        recipient_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'push', 'sms', 'webhook')),
        address text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (event_id, recipient_key, channel)
      );
      CREATE INDEX notification_deliveries_failed_idx ON notification_deliveries (tenant_id, created_at, id) WHERE status = 'failed';

      CREATE TABLE export_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
        requested_by_api_key uuid,
        format text NOT NULL CHECK (format IN ('csv', 'json')),
        filters jsonb NOT NULL DEFAULT '{}',
        access_scope jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed', 'expired')),
        progress numeric(5, 4) NOT NULL DEFAULT 0,
        row_count bigint NOT NULL DEFAULT 0,
        object_key text,
        error text,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz
      );
      CREATE INDEX export_jobs_requester_idx ON export_jobs (tenant_id, requested_by, created_at, id);
      CREATE INDEX export_jobs_expiry_idx ON export_jobs (expires_at) WHERE status = 'completed';

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        key_prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        role text NOT NULL,
        scopes text[] NOT NULL,
        rate_limit integer CHECK (rate_limit > 0),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, role) REFERENCES roles (tenant_id, name) ON UPDATE CASCADE
      );
      CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at, id);

      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        url text NOT NULL,
        secret text NOT NULL,
        events text[] NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        failure_count integer NOT NULL DEFAULT 0,
        last_failure_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_subscriptions_tenant_idx ON webhook_subscriptions (tenant_id) WHERE active;

      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        principal text NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        response_status integer,
        response_body jsonb,
        resource_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, principal, key)
      );
      CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE idempotency_keys, webhook_subscriptions, api_keys, export_jobs, notification_deliveries,
        outbox_events, sla_events, ticket_escalations, ticket_audit, ticket_attachments, ticket_watchers,
        ticket_messages, tickets, sla_policies, refresh_tokens, users, teams, roles, tenants;
      DROP FUNCTION ticket_audit_is_append_only();
    `);
  }
}
