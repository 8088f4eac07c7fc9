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

/**
 * Where signing keys come from must not be forgeable on the network path, so plain http is accepted only
 * for a provider on the same machine (a local test IdP, a sidecar).
 */
function identityProviderUrl(name: string) {
  return z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        if (u.search !== "" || u.hash !== "") return false;
        return u.protocol === "https:" || (u.protocol === "http:" && isLoopbackHost(u.hostname));
      } catch {
        return false;
      }
    },
    { message: `${name} must be an https URL (http only on localhost) without query or fragment` },
  );
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Claim names are JSON member names; allow URL-like namespaced ones (Auth0) but no whitespace. */
const CLAIM_NAME = /^[^\s]{1,256}$/;

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
  /** GATEWAY_MASTER_KEY_PREVIOUS: older master keys (base64) that still open values sealed under them */
  previousMasterKeys: string[];
  /** set when OIDC_ISSUER is */
  oidc: OidcConfig | undefined;
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
  let oidc: OidcConfig | undefined;
  if (e.OIDC_ISSUER === undefined) {
    const stray = OIDC_DEPENDENT.find((name) => e[name] !== undefined);
    if (stray !== undefined) throw new ConfigError(`${stray} is set but OIDC_ISSUER is not`);
  } else {
    const audience = splitList(e.OIDC_AUDIENCE);
    if (audience.length === 0) throw new ConfigError("OIDC_AUDIENCE is required when OIDC_ISSUER is set");
    oidc = {
      issuer: e.OIDC_ISSUER,
      audience,
      jwksUrl: e.OIDC_JWKS_URL,
      userClaim: e.OIDC_USER_CLAIM ?? "sub",
      groupsClaim: e.OIDC_GROUPS_CLAIM,
      autoCreateUsers: e.OIDC_AUTO_CREATE_USERS === "true",
    };
  }
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
    previousMasterKeys: splitList(e.GATEWAY_MASTER_KEY_PREVIOUS),
    oidc,
  };
}

/** "a, b,,c" → ["a", "b", "c"] */
function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}
