/**
 * Configuration from the environment, parsed once at start-up. A missing or malformed variable stops
 * start-up with one line naming it (ConfigError), never a stack trace or a silent default.
 */
import { FileVariableError, resolveFileVariables } from "./config-files";
import { z } from "zod";
import { parseRateSpec, type RateSpec } from "./ratelimit/token-bucket";
import type { Venue } from "./domain";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** see Config.heapGrowthPercent */
export const DEFAULT_HEAP_GROWTH_PERCENT = 100;

function httpUrl(name: string) {
  return z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        const credentials = u.username !== "" || u.password !== "";
        const http = u.protocol === "http:" || u.protocol === "https:";
        return http && !credentials && u.search === "" && u.hash === "";
      } catch {
        return false;
      }
    },
    { message: `${name} must be an http(s) URL without credentials, query or fragment` },
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
  return (
    hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

function milliseconds(name: string, min: number, max: number) {
  return z.coerce
    .number({ message: `${name} must be a number of milliseconds` })
    .int(`${name} must be an integer number of milliseconds`)
    .min(min, `${name} must be ${min}..${max} ms`)
    .max(max, `${name} must be ${min}..${max} ms`);
}

/** A duration in seconds: `<n>` (seconds) or `<n>s`, `<n>m`, `<n>h`. */
function durationSeconds(name: string, minSeconds: number, maxSeconds: number) {
  const most = maxSeconds % 3600 === 0 ? `${maxSeconds / 3600} h` : `${maxSeconds} s`;
  const rule = `${name} must be a duration such as 300, 30m or 12h, from ${minSeconds} s to ${most}`;
  return z
    .string()
    .regex(/^\d{1,9}[smh]?$/, rule)
    .transform((v) => Number(v.replace(/[smh]$/, "")) * ({ s: 1, m: 60, h: 3600 }[v.slice(-1)] ?? 1))
    .refine((n) => n >= minSeconds && n <= maxSeconds, rule);
}

function rateSpec(name: string) {
  return z.string().refine(
    (v) => {
      try {
        parseRateSpec(name, v);
        return true;
      } catch {
        return false;
      }
    },
    { message: `${name} must be <count>/<s|m|h> (e.g. 60/m) or off` },
  );
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
  DATABASE_PREPARED_STATEMENTS: z
    .enum(["true", "false"], { message: "DATABASE_PREPARED_STATEMENTS must be true or false" })
    .default("true"),
  GATEWAY_MASTER_KEY: z.string().optional(),
  BINANCE_EAPI_URL: httpUrl("BINANCE_EAPI_URL").default("https://eapi.binance.com"),
  DERIBIT_URL: httpUrl("DERIBIT_URL").default("https://www.deribit.com"),
  OKX_URL: httpUrl("OKX_URL").default("https://www.okx.com"),
  BYBIT_URL: httpUrl("BYBIT_URL").default("https://api.bybit.com"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, "REDIS_URL must be redis://… or rediss://…")
    .optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, "REDIS_KEY_PREFIX must be 1-64 letters, digits, ':', '_', '.' or '-'")
    .default("mmp-gateway:"),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  NODE_ENV: z.string().optional(),
  GRAPHQL_INTROSPECTION: z
    .enum(["true", "false"], { message: "GRAPHQL_INTROSPECTION must be true or false" })
    .optional(),
  GATEWAY_MASTER_KEY_PREVIOUS: z.string().optional(),
  EXCHANGE_TIMEOUT_MS: milliseconds("EXCHANGE_TIMEOUT_MS", 50, 120_000).default(5000),
  EXCHANGE_CONNECT_TIMEOUT_MS: milliseconds("EXCHANGE_CONNECT_TIMEOUT_MS", 50, 60_000).default(2000),
  EXCHANGE_CIRCUIT_FAILURES: z.coerce
    .number({ message: "EXCHANGE_CIRCUIT_FAILURES must be a number" })
    .int("EXCHANGE_CIRCUIT_FAILURES must be an integer")
    .min(0, "EXCHANGE_CIRCUIT_FAILURES must be 0..1000 (0 disables the breaker)")
    .max(1000, "EXCHANGE_CIRCUIT_FAILURES must be 0..1000 (0 disables the breaker)")
    .default(5),
  EXCHANGE_CIRCUIT_COOLDOWN_MS: milliseconds("EXCHANGE_CIRCUIT_COOLDOWN_MS", 100, 3_600_000).default(10_000),
  MMP_POLL_INTERVAL_MS: milliseconds("MMP_POLL_INTERVAL_MS", 100, 3_600_000).default(2000),
  MMP_READ_MAX_AGE_MS: milliseconds("MMP_READ_MAX_AGE_MS", 0, 3_600_000).default(1000),
  MMP_LEADER_TTL_MS: milliseconds("MMP_LEADER_TTL_MS", 300, 600_000).default(5000),
  EXCHANGE_READ_WEIGHT_SHARE: z.coerce
    .number({ message: "EXCHANGE_READ_WEIGHT_SHARE must be a number" })
    .gt(0, "EXCHANGE_READ_WEIGHT_SHARE must be in (0, 0.9]")
    .max(0.9, "EXCHANGE_READ_WEIGHT_SHARE must be in (0, 0.9]")
    .default(0.5),
  HTTP_HEADERS_TIMEOUT: durationSeconds("HTTP_HEADERS_TIMEOUT", 1, 300).default(10),
  HTTP_REQUEST_TIMEOUT: durationSeconds("HTTP_REQUEST_TIMEOUT", 1, 600).default(30),
  MUTATION_RATE_PER_USER: rateSpec("MUTATION_RATE_PER_USER").default("120/m"),
  MUTATION_RATE_PER_ACCOUNT: rateSpec("MUTATION_RATE_PER_ACCOUNT").default("300/m"),
  HEAP_GROWTH_PERCENT: z.coerce
    .number({ message: "HEAP_GROWTH_PERCENT must be a number" })
    .int("HEAP_GROWTH_PERCENT must be an integer")
    .min(0, "HEAP_GROWTH_PERCENT must be 0..400 (0: V8's own heuristics)")
    .max(400, "HEAP_GROWTH_PERCENT must be 0..400 (0: V8's own heuristics)")
    .default(DEFAULT_HEAP_GROWTH_PERCENT),
  OIDC_ISSUER: identityProviderUrl("OIDC_ISSUER").optional(),
  OIDC_AUDIENCE: z.string().optional(),
  OIDC_JWKS_URL: identityProviderUrl("OIDC_JWKS_URL").optional(),
  OIDC_USER_CLAIM: z.string().regex(CLAIM_NAME, "OIDC_USER_CLAIM must be a claim name").optional(),
  OIDC_GROUPS_CLAIM: z.string().regex(CLAIM_NAME, "OIDC_GROUPS_CLAIM must be a claim name").optional(),
  OIDC_AUTO_CREATE_USERS: z
    .enum(["true", "false"], { message: "OIDC_AUTO_CREATE_USERS must be true or false" })
    .optional(),
  OIDC_MAX_TOKEN_LIFETIME: durationSeconds("OIDC_MAX_TOKEN_LIFETIME", 60, 7 * 24 * 3600).optional(),
  OIDC_ALLOWED_GROUPS: z.string().optional(),
  OIDC_CONSOLE_CLIENT_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, "OIDC_CONSOLE_CLIENT_ID must be 1-256 printable characters")
    .optional(),
  OIDC_CONSOLE_PROVIDER_NAME: z
    .string()
    .regex(/^[^<>]{1,64}$/, "OIDC_CONSOLE_PROVIDER_NAME must be 1-64 characters")
    .optional(),
});

/** Every environment variable the gateway reads (besides the `*_FILE` forms of FILE_VARIABLES). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** see OidcConfig.maxTokenLifetimeSeconds */
export const DEFAULT_OIDC_MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;

/** The OIDC settings that only make sense together with OIDC_ISSUER. */
const OIDC_DEPENDENT = [
  "OIDC_AUDIENCE",
  "OIDC_JWKS_URL",
  "OIDC_USER_CLAIM",
  "OIDC_GROUPS_CLAIM",
  "OIDC_AUTO_CREATE_USERS",
  "OIDC_MAX_TOKEN_LIFETIME",
  "OIDC_ALLOWED_GROUPS",
  "OIDC_CONSOLE_CLIENT_ID",
  "OIDC_CONSOLE_PROVIDER_NAME",
] as const;

/** Sign-in with JWTs from an OpenID Connect provider; see src/auth/oidc. */
export interface OidcConfig {
  /** must equal the tokens' `iss` exactly (a trailing slash matters) */
  issuer: string;
  /** the token's `aud` must contain one of these */
  audience: string[];
  /** undefined: discovered from `${issuer}/.well-known/openid-configuration` */
  jwksUrl: string | undefined;
  /** the claim whose value is the gateway user name */
  userClaim: string;
  /** a claim listing group names; groups naming gateway teams count as memberships */
  groupsClaim: string | undefined;
  /** create a (non-admin) gateway user on first sign-in */
  autoCreateUsers: boolean;
  /**
   * OIDC_MAX_TOKEN_LIFETIME: tokens valid for longer (exp − iat, or exp − now when later) are refused.
   * A token cannot be revoked before its exp, so a long-lived one outlives a removal at the provider.
   */
  maxTokenLifetimeSeconds: number;
  /** OIDC_ALLOWED_GROUPS: only these groups may map to teams; undefined = any group naming a team */
  allowedGroups: string[] | undefined;
  /**
   * OIDC_CONSOLE_CLIENT_ID: the console's public client (authorization code with PKCE); unset, the
   * console offers token sign-in only
   */
  consoleClientId?: string;
  /** OIDC_CONSOLE_PROVIDER_NAME: the console's "Sign in with <name>"; default "single sign-on" */
  consoleProviderName?: string;
}

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  /**
   * DATABASE_PREPARED_STATEMENTS: on PostgreSQL, the audit writes run as named prepared statements
   * (parsed once per connection); false behind a transaction-pooling proxy that cannot keep them
   */
  databasePreparedStatements: boolean;
  masterKey: string | undefined;
  binanceEapiUrl: string;
  /** DERIBIT_URL, OKX_URL, BYBIT_URL: the other venues' default base URLs (see defaultVenueUrl) */
  venueUrls: Readonly<Record<Exclude<Venue, "binance">, string>>;
  redisUrl: string | undefined;
  /** REDIS_KEY_PREFIX: prepended to every Redis key and channel, so deployments can share a server */
  redisKeyPrefix: string;
  logLevel: (typeof LOG_LEVELS)[number];
  production: boolean;
  introspection: boolean;
  /** GATEWAY_MASTER_KEY_PREVIOUS: older master keys (base64) that still open values sealed under them */
  previousMasterKeys: string[];
  /** set when OIDC_ISSUER is */
  oidc: OidcConfig | undefined;
  /** EXCHANGE_*: how long to wait for the exchange, and when to stop calling a failing host */
  exchange: ExchangeSettings;
  /** the live MMP view (src/live) */
  live: LiveConfig;
  /** HTTP_HEADERS_TIMEOUT / HTTP_REQUEST_TIMEOUT: how long a client may take to send its request */
  httpTimeouts?: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** MUTATION_RATE_PER_USER / MUTATION_RATE_PER_ACCOUNT; undefined = no limit */
  mutationRateLimits: { perUser: RateSpec | undefined; perAccount: RateSpec | undefined };
  /**
   * HEAP_GROWTH_PERCENT: how far V8 lets the old generation grow past what survived the last full
   * collection before the next one (src/observability/heap.ts); 0 leaves V8's heuristics. Absent: the
   * default.
   */
  heapGrowthPercent?: number;
};

export interface LiveConfig {
  /** MMP_POLL_INTERVAL_MS: how often the leader reads every configured or watched underlying */
  pollIntervalMs: number;
  /** MMP_READ_MAX_AGE_MS: reads answer from the live state while it is younger than this */
  readMaxAgeMs: number;
  /**
   * EXCHANGE_READ_WEIGHT_SHARE: share of the exchange's weight limit that reads (poller and queries) may
   * use; the rest is kept for changes, resets, kill-switch calls and heartbeats
   */
  readWeightShare: number;
  /** MMP_LEADER_TTL_MS: how long a dead leader holds the poller's lease (Redis) before another takes over */
  leaderTtlMs: number;
}

export interface ExchangeSettings {
  /** from connection to the complete answer; after it a mutation's outcome is unknown */
  timeoutMs: number;
  /** to get a connection; after it nothing was sent */
  connectTimeoutMs: number;
  /** consecutive unavailable answers that open a host's circuit; 0 = never */
  circuitFailures: number;
  circuitCooldownMs: number;
}

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
  let resolved: Record<string, string>;
  try {
    resolved = resolveFileVariables(clean(env));
  } catch (e) {
    if (e instanceof FileVariableError) throw new ConfigError(e.message);
    throw e;
  }
  const parsed = schema.safeParse(resolved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    const msg = issue?.message ?? "invalid";
    throw new ConfigError(msg.includes(name) ? msg : `${name}: ${msg}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  if (e.HTTP_HEADERS_TIMEOUT > e.HTTP_REQUEST_TIMEOUT) {
    throw new ConfigError("HTTP_HEADERS_TIMEOUT must not be longer than HTTP_REQUEST_TIMEOUT");
  }
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
      maxTokenLifetimeSeconds: e.OIDC_MAX_TOKEN_LIFETIME ?? DEFAULT_OIDC_MAX_TOKEN_LIFETIME_SECONDS,
      allowedGroups: e.OIDC_ALLOWED_GROUPS === undefined ? undefined : splitList(e.OIDC_ALLOWED_GROUPS),
      consoleClientId: e.OIDC_CONSOLE_CLIENT_ID,
      consoleProviderName: e.OIDC_CONSOLE_PROVIDER_NAME,
    };
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS === "true",
    masterKey: e.GATEWAY_MASTER_KEY,
    binanceEapiUrl: e.BINANCE_EAPI_URL.replace(/\/+$/, ""),
    venueUrls: {
      deribit: e.DERIBIT_URL.replace(/\/+$/, ""),
      okx: e.OKX_URL.replace(/\/+$/, ""),
      bybit: e.BYBIT_URL.replace(/\/+$/, ""),
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
    production,
    introspection: e.GRAPHQL_INTROSPECTION === undefined ? !production : e.GRAPHQL_INTROSPECTION === "true",
    previousMasterKeys: splitList(e.GATEWAY_MASTER_KEY_PREVIOUS),
    oidc,
    exchange: {
      timeoutMs: e.EXCHANGE_TIMEOUT_MS,
      connectTimeoutMs: e.EXCHANGE_CONNECT_TIMEOUT_MS,
      circuitFailures: e.EXCHANGE_CIRCUIT_FAILURES,
      circuitCooldownMs: e.EXCHANGE_CIRCUIT_COOLDOWN_MS,
    },
    heapGrowthPercent: e.HEAP_GROWTH_PERCENT,
    live: {
      pollIntervalMs: e.MMP_POLL_INTERVAL_MS,
      readMaxAgeMs: e.MMP_READ_MAX_AGE_MS,
      readWeightShare: e.EXCHANGE_READ_WEIGHT_SHARE,
      leaderTtlMs: e.MMP_LEADER_TTL_MS,
    },
    httpTimeouts: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT * 1000,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT * 1000,
    },
    mutationRateLimits: {
      perUser: parseRateSpec("MUTATION_RATE_PER_USER", e.MUTATION_RATE_PER_USER),
      perAccount: parseRateSpec("MUTATION_RATE_PER_ACCOUNT", e.MUTATION_RATE_PER_ACCOUNT),
    },
  };
}

/** "a, b,,c" → ["a", "b", "c"] */
function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** The base URL of a venue's accounts that name none of their own. */
export function defaultVenueUrl(config: Pick<Config, "binanceEapiUrl" | "venueUrls">, venue: Venue): string {
  return venue === "binance" ? config.binanceEapiUrl : config.venueUrls[venue];
}
