/**
 * Probes for orchestrators: `/healthz` says the process serves HTTP (restart it if not); `/readyz` says
 * its dependencies work (database reachable, migrations applied), so traffic may be routed to it.
 */
import { Router } from "express";
import type { Logger } from "pino";

export interface ReadinessReport {
  ok: boolean;
  details: Record<string, unknown>;
}

export type ReadinessCheck = () => Promise<ReadinessReport>;

/** A check slower than this counts as not ready: probes have their own timeouts, and a hung database
 * connection must not leave the probe hanging too. */
export const READY_TIMEOUT_MS = 2000;

export function healthRoutes(deps: {
  ready: ReadinessCheck;
  logger: Logger;
  readyTimeoutMs?: number;
}): Router {
  const router = Router();
  const timeoutMs = deps.readyTimeoutMs ?? READY_TIMEOUT_MS;

  router.get("/healthz", (_req, res) => {
    res.set("cache-control", "no-store").status(200).json({ status: "ok" });
  });

  router.get("/readyz", async (_req, res) => {
    const report = await checkWithTimeout(deps.ready, timeoutMs).catch((error: unknown): ReadinessReport => {
      // The error may name hosts or hold credentials from a connection string: log it, do not return it.
      deps.logger.error({ err: error }, "readiness check failed");
      return { ok: false, details: { error: "readiness check failed; see the gateway log" } };
    });
    res
      .set("cache-control", "no-store")
      .status(report.ok ? 200 : 503)
      .json({ status: report.ok ? "ok" : "unavailable", details: report.details });
  });

  return router;
}

async function checkWithTimeout(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessReport>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, details: { error: `readiness check took longer than ${timeoutMs} ms` } }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
