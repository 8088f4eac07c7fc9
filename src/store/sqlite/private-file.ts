/**
 * The SQLite database holds sealed exchange secrets, token hashes and the audit log: only the gateway's
 * own user may read it. The file is created owner-only before SQLite opens it, and its mode is set
 * outright rather than left to the umask (which can only remove bits, and may be 000 in a container).
 * SQLite gives the -wal and -shm files the database file's mode when it creates them; the ones already
 * there from an older gateway are tightened too.
 */
import { chmodSync, closeSync, constants, fchmodSync, openSync } from "node:fs";

const OWNER_ONLY = 0o600;
const COMPANIONS = ["-wal", "-shm"] as const;

/** Creates `path` if missing and makes it owner-only. */
export function createPrivateFile(path: string): void {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, OWNER_ONLY);
  try {
    fchmodSync(fd, OWNER_ONLY);
  } finally {
    closeSync(fd);
  }
}

/** Makes the -wal and -shm files beside `path` owner-only, where they exist. */
export function restrictCompanionFiles(path: string): void {
  for (const suffix of COMPANIONS) {
    try {
      chmodSync(`${path}${suffix}`, OWNER_ONLY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}
