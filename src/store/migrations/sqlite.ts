import type { Migration } from "./types";

/** Tables whose every change invalidates authorization caches (see Store.authVersion). */
const AUTH_TABLES = ["accounts", "users", "tokens", "teams", "memberships", "grants"] as const;

// Triggers bump the counter inside the writing transaction, so no code path (including the CLI, or a
// foreign-key cascade) can change an auth table without invalidating caches.
const authTriggers = AUTH_TABLES.flatMap((table) =>
  (["INSERT", "UPDATE", "DELETE"] as const).map(
    (op) => `
CREATE TRIGGER ${table}_${op.toLowerCase()}_auth_version AFTER ${op} ON ${table}
BEGIN
  UPDATE auth_version SET version = version + 1 WHERE id = 1;
END;`,
  ),
).join("\n");

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Times are integer milliseconds since the epoch throughout.
CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  api_key       TEXT NOT NULL,
  key_type      TEXT NOT NULL CHECK (key_type IN ('hmac', 'ed25519', 'rsa')),
  base_url      TEXT,
  secret_sealed TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);

CREATE TABLE users (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  admin      INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
  disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  hash       TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX tokens_user_id ON tokens (user_id);

CREATE TABLE teams (
  name TEXT PRIMARY KEY
);

CREATE TABLE memberships (
  team    TEXT NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (team, user_id)
);
CREATE INDEX memberships_user_id ON memberships (user_id);

CREATE TABLE grants (
  team       TEXT NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role       TEXT NOT NULL CHECK (role IN ('viewer', 'trader', 'admin')),
  PRIMARY KEY (team, account_id)
);
-- Serves the cascade on account removal, which would otherwise scan every grant.
CREATE INDEX grants_account_id ON grants (account_id);

CREATE TABLE auth_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO auth_version (id, version) VALUES (1, 0);
${authTriggers}

-- No foreign keys: the history must outlive the accounts and users it mentions.
-- AUTOINCREMENT so that ids are never reused, even after the newest rows are deleted.
CREATE TABLE audit_log (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  at               INTEGER NOT NULL,
  actor_id         TEXT,
  actor_name       TEXT,
  account_id       TEXT,
  action           TEXT NOT NULL,
  input            TEXT NOT NULL,
  previous         TEXT,
  outcome          TEXT NOT NULL CHECK (outcome IN ('PENDING', 'SUCCEEDED', 'REJECTED', 'UNKNOWN', 'FAILED')),
  exchange_code    INTEGER,
  exchange_message TEXT,
  duration_ms      INTEGER,
  result           TEXT
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
ALTER TABLE accounts ADD COLUMN venue TEXT NOT NULL DEFAULT 'binance'
  CHECK (venue IN ('binance', 'deribit', 'okx', 'bybit'));
`,
  },
];
