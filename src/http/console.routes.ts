/**
 * The operator console (console/, built by `npm run build` into dist/console), served at `/console/` by
 * the gateway itself: same origin as /graphql, so no CORS and nothing to configure.
 *
 * - `/console/assets/*`: Vite's content-hashed files, cached for a year (`immutable`); a missing asset
 *   is a 404, never the SPA page (a stale tab must not parse HTML as a script).
 * - any other `/console/*` path (and `/console`, redirected to `/console/`): index.html, not cached
 *   (`no-cache`), so a deploy is picked up by the next load. The client routes on the path.
 * - every answer: a strict Content-Security-Policy (scripts only from this origin, no inline script,
 *   no framing, no plugins, no <base>), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`.
 *   Only `/console/graphiql` allows inline styles, which its Monaco editor sets (its workers
 *   are bundled files, so worker-src 'self' suffices).
 * - `/console/config.json`: what the console needs to know at start-up (the OIDC client, if any).
 * - `GET /` redirects to `/console/`.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import express, { Router, type Response } from "express";

export interface ConsoleRoutesOptions {
  /** the built console; default: dist/console next to the compiled server (or the sources' dist/) */
  dir?: string;
  /** the OIDC issuer, which the console may talk to (connect-src) */
  oidcIssuer?: string;
  /** the console's OIDC public client: the console then offers "Sign in with <providerName>" */
  oidcClient?: { clientId: string; providerName: string };
}

/** what the console reads at start-up (GET /console/config.json) */
export interface ConsoleSettings {
  oidc: { issuer: string; clientId: string; providerName: string } | null;
}

export const CONSOLE_PATH = "/console";

/** where `npm run build` puts the console, from the compiled server (dist/http) or its sources (src/http) */
export function defaultConsoleDir(): string {
  const candidates = [resolve(__dirname, "..", "console"), resolve(__dirname, "..", "..", "dist", "console")];
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? candidates[0]!;
}

/** The Content-Security-Policy of a console page; `graphiql` relaxes styles and workers for Monaco. */
export function consoleCsp(options: { graphiql: boolean; oidcIssuer?: string }): string {
  const connect = ["'self'"];
  if (options.oidcIssuer) connect.push(new URL(options.oidcIssuer).origin);
  const directives = [
    "default-src 'self'",
    "script-src 'self'",
    options.graphiql ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${connect.join(" ")}`,
    "worker-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
  ];
  return directives.join("; ");
}

export function consoleRoutes(options: ConsoleRoutesOptions = {}): Router {
  const dir = options.dir ?? defaultConsoleDir();
  const index = join(dir, "index.html");
  const csp = consoleCsp({ graphiql: false, oidcIssuer: options.oidcIssuer });
  const graphiqlCsp = consoleCsp({ graphiql: true, oidcIssuer: options.oidcIssuer });
  const router = Router();

  router.get("/", (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`));
  router.get(CONSOLE_PATH, (req, res, next) => {
    // Express matches "/console/" here too (non-strict routing): only the bare path is redirected.
    if (req.originalUrl.split("?")[0] !== CONSOLE_PATH) return next();
    res.redirect(301, `${CONSOLE_PATH}/`);
  });

  router.use(CONSOLE_PATH, (req, res, next) => {
    const graphiql = req.path === "/graphiql" || req.path.startsWith("/graphiql/");
    res.setHeader("content-security-policy", graphiql ? graphiqlCsp : csp);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("cross-origin-opener-policy", "same-origin");
    res.setHeader("x-frame-options", "DENY");
    next();
  });

  const settings: ConsoleSettings = {
    oidc:
      options.oidcIssuer && options.oidcClient ? { issuer: options.oidcIssuer, ...options.oidcClient } : null,
  };
  router.get(`${CONSOLE_PATH}/config.json`, (_req, res) => {
    res.set("cache-control", "no-cache").json(settings);
  });

  router.use(
    `${CONSOLE_PATH}/assets`,
    express.static(join(dir, "assets"), {
      index: false,
      fallthrough: true,
      etag: true,
      immutable: true,
      maxAge: "365d",
    }),
  );

  // an asset this build does not have (e.g. a tab still running the previous build): a plain 404
  router.use(`${CONSOLE_PATH}/assets`, (_req, res) => {
    res.status(404).set("cache-control", "no-store").type("text/plain").send("Not found\n");
  });
  router.get(`${CONSOLE_PATH}/{*rest}`, (_req, res) => sendIndex(res));

  function sendIndex(res: Response): void {
    if (!existsSync(index)) {
      res
        .status(503)
        .set("cache-control", "no-store")
        .type("text/plain")
        .send("The console is not built: run `npm run build`.\n");
      return;
    }
    res.set("cache-control", "no-cache");
    res.sendFile(index, { etag: true, lastModified: true, cacheControl: false });
  }

  return router;
}
