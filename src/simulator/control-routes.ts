/**
 * The demo's control routes (POST, parameters in the query string), served only with the
 * `controlRoutes` option; they are the simulator's own, not Binance's:
 * - `/__simulator/trigger?apiKey&underlying`: MMP triggers now;
 * - `/__simulator/outside-change?apiKey&underlying&windowTimeInMilliseconds&frozenTimeInMilliseconds&qtyLimit&deltaLimit`:
 *   a config changed as the exchange's UI would;
 * - `/__simulator/weight?weight[&ip]`: other traffic's request weight at an IP (default: the caller's).
 */
import type http from "node:http";
import { writeJson } from "./http";
import type { ExchangeSimulator } from "./server";

export const CONTROL_PREFIX = "/__simulator/";

type ControlTarget = Pick<ExchangeSimulator, "trigger" | "mmpState" | "changeOutside" | "useWeight">;

export function handleControlRoute(
  sim: ControlTarget,
  path: string,
  rawQuery: string,
  callerIp: string,
  res: http.ServerResponse,
): void {
  const params = new URLSearchParams(rawQuery);
  const apiKey = params.get("apiKey") ?? "";
  const underlying = params.get("underlying") ?? "";
  try {
    let answer: unknown;
    if (path === "/__simulator/trigger") {
      sim.trigger(apiKey, underlying);
      answer = {
        triggered: underlying,
        lastTriggerTime: sim.mmpState(apiKey, underlying)?.lastTriggerTime,
      };
    } else if (path === "/__simulator/outside-change") {
      const window = Number(params.get("windowTimeInMilliseconds"));
      const frozen = params.get("frozenTimeInMilliseconds") ?? "";
      const qtyLimit = params.get("qtyLimit") ?? "";
      const deltaLimit = params.get("deltaLimit") ?? "";
      if (!Number.isInteger(window) || window <= 0 || window > 5000)
        throw new Error("windowTimeInMilliseconds: 1..5000");
      if (!/^\d{1,18}$/.test(frozen)) throw new Error("frozenTimeInMilliseconds: a non-negative integer");
      if (!/^\d+(\.\d+)?$/.test(qtyLimit) || !/^\d+(\.\d+)?$/.test(deltaLimit)) {
        throw new Error("qtyLimit and deltaLimit: plain decimals");
      }
      sim.changeOutside(apiKey, {
        underlying,
        windowTimeInMilliseconds: window,
        frozenTimeInMilliseconds: BigInt(frozen),
        qtyLimit,
        deltaLimit,
      });
      answer = { changed: underlying };
    } else if (path === "/__simulator/weight") {
      const weight = Number(params.get("weight"));
      const ip = params.get("ip") ?? callerIp;
      answer = { ip, usedWeight: sim.useWeight(ip, weight) };
    } else {
      writeJson(res, 404, { error: `no control route ${path}` });
      return;
    }
    writeJson(res, 200, answer);
  } catch (e) {
    writeJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
  }
}
