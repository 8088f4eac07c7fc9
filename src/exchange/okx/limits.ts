/**
 * OKX's per-user, per-endpoint request limits (kept by the shared EndpointLimiter, so that a call OKX
 * would refuse with 50011 is refused here and nothing is sent). Limits from OKX's docs:
 * Set MMP 2 / 10 s, Get MMP Config 5 / 2 s, Reset MMP Status 5 / 2 s, Cancel All After 1 / 1 s,
 * all "per User ID". The gateway knows an OKX user by the account's credentials (one account, one
 * OKX user), so the count is per account, per host and per endpoint (method + path: GET and POST
 * `/api/v5/account/mmp-config` are two endpoints with their own limits).
 */
import { EndpointLimiter, type EndpointLimit } from "../endpoint-limiter";

export { EndpointLimiter, type EndpointLimit };

export const OKX_LIMITS: Readonly<Record<string, EndpointLimit>> = {
  "POST /api/v5/account/mmp-config": { limit: 2, windowMs: 10_000 },
  "GET /api/v5/account/mmp-config": { limit: 5, windowMs: 2_000 },
  "POST /api/v5/account/mmp-reset": { limit: 5, windowMs: 2_000 },
  "POST /api/v5/trade/cancel-all-after": { limit: 1, windowMs: 1_000 },
};
