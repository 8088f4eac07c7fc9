/**
 * `<NAME>_FILE` variables: the value of NAME read from a file, as Docker and Kubernetes mount secrets
 * (`/run/secrets/…`). A value in the environment is visible to `docker inspect`, to /proc/<pid>/environ
 * and to every child process; a mounted file is only visible to whoever may read it.
 *
 * Setting both NAME and NAME_FILE is refused rather than one silently winning. Surrounding whitespace is
 * dropped (editors and `echo` add a final newline). Errors name the variable and the path, never what
 * the file holds.
 */
import { readFileSync } from "node:fs";

/** The variables that may hold secrets. */
export const FILE_VARIABLES = [
  "GATEWAY_MASTER_KEY",
  "GATEWAY_MASTER_KEY_PREVIOUS",
  "DATABASE_URL",
  "REDIS_URL",
] as const;

export class FileVariableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileVariableError";
  }
}

/** `env` (empty values already dropped) with each NAME_FILE replaced by NAME read from that file. */
export function resolveFileVariables(
  env: Readonly<Record<string, string>>,
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
): Record<string, string> {
  const out: Record<string, string> = { ...env };
  for (const name of FILE_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const path = env[fileVar];
    if (path === undefined) continue;
    if (env[name] !== undefined) {
      throw new FileVariableError(`set ${name} or ${fileVar}, not both`);
    }
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "unreadable";
      throw new FileVariableError(`${fileVar}: cannot read ${path} (${code})`);
    }
    const value = text.trim();
    if (value === "") throw new FileVariableError(`${fileVar}: ${path} is empty`);
    out[name] = value;
    delete out[fileVar];
  }
  return out;
}
