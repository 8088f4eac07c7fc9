/** The eapi endpoints the simulator serves, with their paths and request weights. */
import type { Endpoint, EndpointContext } from "./endpoint";
import { countdownGet, countdownSet, heartbeat } from "./kill-switch";
import { mmpGet, mmpReset, mmpSet } from "./mmp";
import { exchangeInfo, time } from "./public";

export type { Apply, Endpoint, EndpointContext } from "./endpoint";

const P = {
  time: "/eapi/v1/time",
  exchangeInfo: "/eapi/v1/exchangeInfo",
  mmpSet: "/eapi/v1/mmpSet",
  mmp: "/eapi/v1/mmp",
  mmpReset: "/eapi/v1/mmpReset",
  countdown: "/eapi/v1/countdownCancelAll",
  heartbeat: "/eapi/v1/countdownCancelAllHeartBeat",
} as const;

export function buildEndpoints(ctx: EndpointContext): Endpoint[] {
  return [
    { method: "GET", path: P.time, weight: 1, signed: false, prepare: () => time(ctx) },
    { method: "GET", path: P.exchangeInfo, weight: 1, signed: false, prepare: () => exchangeInfo(ctx) },
    { method: "POST", path: P.mmpSet, weight: 1, signed: true, prepare: (r, a) => mmpSet(ctx, r, a) },
    { method: "GET", path: P.mmp, weight: 1, signed: true, prepare: (r, a) => mmpGet(ctx, r, a) },
    { method: "POST", path: P.mmpReset, weight: 1, signed: true, prepare: (r, a) => mmpReset(ctx, r, a) },
    {
      method: "POST",
      path: P.countdown,
      weight: 1,
      signed: true,
      prepare: (r, a) => countdownSet(ctx, r, a),
    },
    { method: "GET", path: P.countdown, weight: 1, signed: true, prepare: (r, a) => countdownGet(ctx, r, a) },
    { method: "POST", path: P.heartbeat, weight: 10, signed: true, prepare: (r, a) => heartbeat(ctx, r, a) },
  ];
}
