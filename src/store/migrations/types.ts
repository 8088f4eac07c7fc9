/**
 * A schema change, applied once per database in its own transaction and recorded in schema_migrations.
 * Migrations are TypeScript strings rather than .sql files so that the compiled output needs no copying.
 * Never edit an applied migration: append a new one.
 */
export interface Migration {
  /** 1, 2, 3, ...: contiguous, in order */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The highest version, which a ready database has applied. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/** Guards against a mis-numbered list, which would otherwise silently skip or reorder a migration. */
export function assertContiguous(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration '${m.name}' has version ${m.version}, expected ${i + 1}`);
  });
}
