/**
 * User-facing store error messages, shared so that both adapters say exactly the same thing (the CLI
 * prints them as they are, and the shared test suite asserts them).
 */
import { StoreConflictError, StoreNotFoundError } from "./port";

export const accountExists = (id: string) =>
  new StoreConflictError(`account '${id}' already exists`, "account");
export const accountMissing = (id: string) =>
  new StoreNotFoundError(`account '${id}' does not exist`, "account");
export const userExists = (name: string) => new StoreConflictError(`user '${name}' already exists`, "user");
export const userMissing = (nameOrId: string) =>
  new StoreNotFoundError(`user '${nameOrId}' does not exist`, "user");
export const teamExists = (name: string) => new StoreConflictError(`team '${name}' already exists`, "team");
export const teamMissing = (name: string) => new StoreNotFoundError(`team '${name}' does not exist`, "team");
export const alreadyMember = (team: string, userName: string) =>
  new StoreConflictError(`user '${userName}' is already a member of team '${team}'`, "membership");
export const tokenExists = () => new StoreConflictError("a token with this hash already exists", "token");
export const auditMissing = (id: number) =>
  new StoreNotFoundError(`audit record ${id} does not exist`, "audit");

/** migrate() on a database that a newer gateway has migrated: running would risk misreading its data. */
export const schemaTooNew = (dbVersion: number, known: number) =>
  new Error(
    `the database schema is at version ${dbVersion}, newer than this gateway knows (${known}); upgrade the gateway`,
  );
