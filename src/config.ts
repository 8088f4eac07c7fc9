/**
 * Configuration from the environment, parsed once at start-up. A missing or malformed variable stops
 * start-up with one line naming it (ConfigError), never a stack trace or a silent default.
 */
import { z } from "zod";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function httpUrl(name: string) {
  return z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === "http:" || u.protocol === "https:") && u.search === "" && u.hash === "";
      } catch {
        return false;
      }
    },
    { message: `${name} must be an http(s) URL without query or fragment` },
  );
}

const schema = z.object({
  PORT: z.coerce
    .number({ message: "PORT must be a number" })
    .int("PORT must be an integer")
    .min(0, "PORT must be 0..65535")
    .max(65535, "PORT must be 0..65535")
    .default(4000),
  HOST: z.string().min(1, "HOST must not be empty").default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, "DATABASE_URL must be sqlite:<path> or postgres://…")
    .default("sqlite:./data/gateway.sqlite"),
  GATEWAY_MASTER_KEY: z.string().optional(),
  BINANCE_EAPI_URL: httpUrl("BINANCE_EAPI_URL").default("https://eapi.binance.com"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, "REDIS_URL must be redis://… or rediss://…")
    .optional(),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  NODE_ENV: z.string().optional(),
  GRAPHQL_INTROSPECTION: z
    .enum(["true", "false"], { message: "GRAPHQL_INTROSPECTION must be true or false" })
    .optional(),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  masterKey: string | undefined;
  binanceEapiUrl: string;
  redisUrl: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  production: boolean;
  introspection: boolean;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Empty strings count as unset, as shells and compose files often export `VAR=`. */
function clean(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(clean(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    const msg = issue?.message ?? "invalid";
    throw new ConfigError(msg.includes(name) ? msg : `${name}: ${msg}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    masterKey: e.GATEWAY_MASTER_KEY,
    binanceEapiUrl: e.BINANCE_EAPI_URL.replace(/\/+$/, ""),
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    production,
    introspection: e.GRAPHQL_INTROSPECTION === undefined ? !production : e.GRAPHQL_INTROSPECTION === "true",
  };
}
