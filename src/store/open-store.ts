import { resolve } from "node:path";
import type { Config } from "../config";
import type { Store } from "./port";
import { SqliteStore } from "./sqlite/sqlite-store";

const FORMS = "sqlite:<path>, sqlite::memory:, or postgres://user@host:port/database";

/**
 * Opens (without migrating) the store a DATABASE_URL names:
 * - `sqlite:<path>`: a file, relative to the working directory unless absolute (`sqlite:///abs/path` also
 *   works); `sqlite::memory:` for a throw-away in-memory database;
 * - `postgres://...` or `postgresql://...`: a PostgreSQL connection string, as libpq understands it.
 */
export interface OpenStoreOptions {
  /** PostgreSQL: the audit writes as named prepared statements (DATABASE_PREPARED_STATEMENTS); default true */
  preparedStatements?: boolean;
}

/** the store DATABASE_URL names, with the options the configuration sets for it */
export function openConfiguredStore(
  config: Pick<Config, "databaseUrl" | "databasePreparedStatements">,
): Store {
  return openStore(config.databaseUrl, { preparedStatements: config.databasePreparedStatements });
}

export function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Store {
  const url = databaseUrl.trim();
  if (/^postgres(?:ql)?:\/\//i.test(url)) {
    // Loaded only for a PostgreSQL URL: a SQLite gateway does not carry pg (about 8 MB resident).
    type PostgresModule = typeof import("./postgres/postgres-store");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PostgresStore } = require("./postgres/postgres-store") as PostgresModule;
    return new PostgresStore(url, { preparedStatements: options.preparedStatements });
  }
  if (/^sqlite:/i.test(url)) {
    let path = url.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "") throw new Error(`DATABASE_URL has no file path after 'sqlite:'; expected ${FORMS}`);
    if (path === ":memory:") return new SqliteStore(":memory:");
    return new SqliteStore(resolve(process.cwd(), path));
  }
  // Only the scheme is echoed: the rest of a URL may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new Error(
    `DATABASE_URL ${scheme !== undefined ? `has the unsupported scheme '${scheme}:'` : "is not a URL"}; expected ${FORMS}`,
  );
}
