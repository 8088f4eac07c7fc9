import type { Migration } from "./types";

const AUTH_TABLES = ["accounts", "users", "tokens", "teams", "memberships", "grants"] as const;

// Row-level (not statement-level) so that a statement changing nothing, e.g. a revoke of a missing grant,
// does not invalidate every cache; and inside the writing transaction, so that no path (the CLI, a
// foreign-key cascade, a manual fix in psql) can change an auth table without a bump.
const authTriggers = AUTH_TABLES.map(
  (table) => `
CREATE TRIGGER ${table}_auth_version AFTER INSERT OR UPDATE OR DELETE ON ${table}
  FOR EACH ROW EXECUTE FUNCTION bump_auth_version();`,
).join("\n");

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);

-- Times are timestamptz throughout (readable in psql; millisecond values from the gateway's clock).
CREATE TABLE accounts (
  id            text PRIMARY KEY,
  api_key       text NOT NULL,
  key_type      text NOT NULL CONSTRAINT accounts_key_type_check CHECK (key_type IN ('hmac', 'ed25519', 'rsa')),
  base_url      text,
  secret_sealed text NOT NULL,
  created_at    timestamptz NOT NULL
);

CREATE TABLE users (
  id         text PRIMARY KEY,
  name       text NOT NULL CONSTRAINT users_name_key UNIQUE,
  admin      boolean NOT NULL DEFAULT false,
  disabled   boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);

CREATE TABLE tokens (
  id         text PRIMARY KEY,
  user_id    text NOT NULL CONSTRAINT tokens_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
  hash       text NOT NULL CONSTRAINT tokens_hash_key UNIQUE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX tokens_user_id ON tokens (user_id);

CREATE TABLE teams (
  name text PRIMARY KEY
);

CREATE TABLE memberships (
  team    text NOT NULL CONSTRAINT memberships_team_fkey REFERENCES teams (name) ON DELETE CASCADE,
  user_id text NOT NULL CONSTRAINT memberships_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT memberships_pkey PRIMARY KEY (team, user_id)
);
CREATE INDEX memberships_user_id ON memberships (user_id);

CREATE TABLE grants (
  team       text NOT NULL CONSTRAINT grants_team_fkey REFERENCES teams (name) ON DELETE CASCADE,
  account_id text NOT NULL CONSTRAINT grants_account_id_fkey REFERENCES accounts (id) ON DELETE CASCADE,
  role       text NOT NULL CONSTRAINT grants_role_check CHECK (role IN ('viewer', 'trader', 'admin')),
  CONSTRAINT grants_pkey PRIMARY KEY (team, account_id)
);
CREATE INDEX grants_account_id ON grants (account_id);

CREATE TABLE auth_version (
  id      integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO auth_version (id, version) VALUES (1, 0);

-- search_path is pinned so that the trigger finds this schema's auth_version whatever the writing
-- session's search_path is.
CREATE FUNCTION bump_auth_version() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE auth_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
${authTriggers}

-- No foreign keys: the history must outlive the accounts and users it mentions.
CREATE TABLE audit_log (
  id               bigserial PRIMARY KEY,
  at               timestamptz NOT NULL,
  actor_id         text,
  actor_name       text,
  account_id       text,
  action           text NOT NULL,
  input            text NOT NULL,
  previous         text,
  outcome          text NOT NULL CHECK (outcome IN ('PENDING', 'SUCCEEDED', 'REJECTED', 'UNKNOWN', 'FAILED')),
  exchange_code    integer,
  exchange_message text,
  duration_ms      integer,
  result           text
);
CREATE INDEX audit_log_account_id ON audit_log (account_id, id);
CREATE INDEX audit_log_pending ON audit_log (id) WHERE outcome = 'PENDING';
`,
  },
  {
    // Accounts on Deribit, OKX and Bybit beside Binance; every existing account is a Binance one.
    version: 2,
    name: "account venues",
    sql: `
ALTER TABLE accounts ADD COLUMN venue text NOT NULL DEFAULT 'binance'
  CHECK (venue IN ('binance', 'deribit', 'okx', 'bybit'));
`,
  },
];
