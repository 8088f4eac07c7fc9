/**
 * Prometheus metrics, served on `GET /metrics` from a registry of the gateway's own (not prom-client's
 * global one, so that several gateways in one process, as in tests, do not collide).
 *
 * Counted as things happen: GraphQL operations (an Apollo plugin) and exchange calls (the Binance
 * client's observer). Read on scrape: used weight and back-off per exchange host, PENDING audit records,
 * Redis health. Label values are bounded: operation names are GraphQL names from the schema's parsed
 * documents, capped at MAX_OPERATION_NAMES distinct values; endpoints are the client's fixed paths.
 */
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { Router } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ExchangeCallEvent } from "../exchange/binance/binance-client";
import type { HostRateSnapshot } from "../exchange/binance/weight";

export const METRIC = {
  graphqlOperations: "mmp_gateway_graphql_operations_total",
  graphqlDuration: "mmp_gateway_graphql_operation_duration_seconds",
  exchangeDuration: "mmp_gateway_exchange_request_duration_seconds",
  exchangeUsedWeight: "mmp_gateway_exchange_used_weight",
  exchangeWeightLimit: "mmp_gateway_exchange_weight_limit",
  exchangeBackoff: "mmp_gateway_exchange_backoff_remaining_seconds",
  auditPending: "mmp_gateway_audit_pending_records",
  redisUp: "mmp_gateway_redis_up",
} as const;

/** Beyond this many distinct operation names, further ones are counted as "other". */
export const MAX_OPERATION_NAMES = 200;
/** A scrape must not hang on a slow database. */
const COLLECT_TIMEOUT_MS = 1000;

export interface MetricsSources {
  /** per exchange host; read on scrape */
  rateLimits?: () => HostRateSnapshot[];
  /** number of PENDING audit records; read on scrape */
  pendingAudit?: () => Promise<number>;
  /** set when Redis is configured */
  redis?: () => "ok" | "degraded";
  /** epoch ms (Date.now) */
  now?: () => number;
  /** told when reading a source fails on scrape */
  onCollectError?: (what: string, err: unknown) => void;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operations: Counter<"operation" | "outcome">;
  private readonly operationDuration: Histogram<"operation" | "outcome">;
  private readonly exchangeDuration: Histogram<"method" | "endpoint" | "status">;
  private readonly operationNames = new Set<string>();

  constructor(sources: MetricsSources = {}) {
    const registers = [this.registry];
    const now = sources.now ?? Date.now;
    const collectError = sources.onCollectError ?? (() => undefined);
    collectDefaultMetrics({ register: this.registry });

    this.operations = new Counter({
      name: METRIC.graphqlOperations,
      help: "GraphQL operations by operation name and outcome (ok, or the first error's code)",
      labelNames: ["operation", "outcome"],
      registers,
    });
    this.operationDuration = new Histogram({
      name: METRIC.graphqlDuration,
      help: "time from the start of a GraphQL request to its response",
      labelNames: ["operation", "outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.exchangeDuration = new Histogram({
      name: METRIC.exchangeDuration,
      help: "exchange HTTP calls by method, endpoint and status (HTTP status, or the failure without an answer)",
      labelNames: ["method", "endpoint", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    const rateLimits = sources.rateLimits;
    if (rateLimits !== undefined) {
      const snapshot = () => {
        try {
          return rateLimits();
        } catch (err) {
          collectError("rate limits", err);
          return [];
        }
      };
      new Gauge({
        name: METRIC.exchangeUsedWeight,
        help: "request weight used at the exchange host in the current minute (its header, the fleet's count or in flight)",
        labelNames: ["host"],
        registers,
        collect() {
          this.reset();
          for (const h of snapshot()) this.set({ host: h.host }, h.usedWeight);
        },
      });
      new Gauge({
        name: METRIC.exchangeWeightLimit,
        help: "request weight per minute the exchange host allows",
        labelNames: ["host"],
        registers,
        collect() {
          this.reset();
          for (const h of snapshot()) this.set({ host: h.host }, h.limit);
        },
      });
      new Gauge({
        name: METRIC.exchangeBackoff,
        help: "seconds until calls to the exchange host are allowed again after a 429/418 (0: not backing off)",
        labelNames: ["host"],
        registers,
        collect() {
          this.reset();
          const t = now();
          for (const h of snapshot()) {
            this.set(
              { host: h.host },
              h.backoffUntil === null ? 0 : Math.max(0, (h.backoffUntil - t) / 1000),
            );
          }
        },
      });
    }

    const pendingAudit = sources.pendingAudit;
    if (pendingAudit !== undefined) {
      new Gauge({
        name: METRIC.auditPending,
        help: "audit records still PENDING (an exchange call in flight, or left by a crash until reconciled)",
        registers,
        async collect() {
          try {
            this.set(await withTimeout(pendingAudit(), COLLECT_TIMEOUT_MS));
          } catch (err) {
            // NaN rather than a stale number: the dashboard shows a gap, not a wrong count.
            this.set(Number.NaN);
            collectError("pending audit records", err);
          }
        },
      });
    }

    const redis = sources.redis;
    if (redis !== undefined) {
      new Gauge({
        name: METRIC.redisUp,
        help: "1 while Redis (shared state across replicas) is reachable, 0 while each replica works alone",
        registers,
        collect() {
          this.set(redis() === "ok" ? 1 : 0);
        },
      });
    }
  }

  /** For BinanceClientOptions.onExchangeCall. */
  readonly observeExchangeCall = (e: ExchangeCallEvent): void => {
    this.exchangeDuration.observe(
      {
        method: e.method,
        endpoint: e.endpoint,
        status: e.status === undefined ? (e.failure ?? "error") : String(e.status),
      },
      e.durationMs / 1000,
    );
  };

  /**
   * Counts every GraphQL request Apollo runs, plus those refused while building the context
   * (authentication), which never reach an operation: those count as operation "unresolved".
   */
  apolloPlugin(): ApolloServerPlugin<BaseContext> {
    const record = (operation: string, outcome: string, seconds: number | undefined) => {
      this.operations.inc({ operation, outcome });
      if (seconds !== undefined) this.operationDuration.observe({ operation, outcome }, seconds);
    };
    return {
      contextCreationDidFail: async ({ error }) => {
        record("unresolved", codeOf(error), undefined);
      },
      requestDidStart: async () => {
        const started = process.hrtime.bigint();
        let operation = "unresolved";
        return {
          didResolveOperation: async (ctx) => {
            operation = this.operationLabel(ctx.operationName);
          },
          willSendResponse: async (ctx) => {
            const body = ctx.response.body;
            const firstError = body.kind === "single" ? body.singleResult.errors?.[0] : undefined;
            const outcome = firstError === undefined ? "ok" : codeOf(firstError);
            record(operation, outcome, Number(process.hrtime.bigint() - started) / 1e9);
          },
        };
      },
    };
  }

  /** `GET /metrics` in Prometheus' text format. */
  router(onError: (err: unknown) => void): Router {
    const router = Router();
    router.get("/metrics", async (_req, res) => {
      try {
        const text = await this.registry.metrics();
        res.set("cache-control", "no-store").type(this.registry.contentType).send(text);
      } catch (err) {
        onError(err);
        res.status(500).type("text/plain").send("metrics collection failed; see the gateway log\n");
      }
    });
    return router;
  }

  private operationLabel(name: string | null | undefined): string {
    if (name === null || name === undefined || name === "") return "anonymous";
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return "other";
    this.operationNames.add(name);
    return name;
  }
}

/** The `extensions.code` a client sees (our codes, or Apollo's), else a generic one. */
function codeOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "extensions" in error) {
    const extensions = (error as { extensions?: Record<string, unknown> }).extensions;
    const code = extensions?.code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return code;
  }
  return "INTERNAL_SERVER_ERROR";
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
