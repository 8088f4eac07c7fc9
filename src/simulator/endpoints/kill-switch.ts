/** The kill switch: countdownCancelAll (POST and GET) and its heartbeat. */
import type { AccountEntry } from "../accounts";
import { E } from "../errors";
import type { ParamReader } from "../params";
import { parseLong } from "../values";
import type { Apply, EndpointContext } from "./endpoint";

const MIN_COUNTDOWN_MS = 5000n;

export function countdownSet(ctx: EndpointContext, r: ParamReader, a: AccountEntry): Apply {
  const raw = { underlying: r.required("underlying"), countdown: r.required("countdownTime") };
  const contract = ctx.listed(raw.underlying);
  const n = parseLong("countdownTime", raw.countdown);
  if (n < 0n) throw E.invalidValue("countdownTime", `${raw.countdown} is negative`);
  if (n !== 0n && n < MIN_COUNTDOWN_MS) {
    throw E.invalidValue(
      "countdownTime",
      `${raw.countdown}: 0 disables, otherwise at least ${MIN_COUNTDOWN_MS}`,
    );
  }
  if (n > BigInt(Number.MAX_SAFE_INTEGER))
    throw E.invalidValue("countdownTime", `${raw.countdown} is too large`);
  const countdownTime = Number(n);
  return () => {
    if (countdownTime === 0) a.killSwitch.delete(contract.underlying);
    else a.killSwitch.set(contract.underlying, { countdownTime, lastHeartbeatAt: ctx.serverTime() });
    return JSON.stringify({ underlying: contract.underlying, countdownTime });
  };
}

export function countdownGet(ctx: EndpointContext, r: ParamReader, a: AccountEntry): Apply {
  const u = r.optional("underlying");
  const contract = u === undefined ? undefined : ctx.listed(u);
  return () => {
    if (contract) {
      // Undocumented: a single underlying without an active timer. Answered as the disabled value
      // (0) so the shape stays one object whenever an underlying is given.
      const k = a.killSwitch.get(contract.underlying);
      return JSON.stringify({ underlying: contract.underlying, countdownTime: k?.countdownTime ?? 0 });
    }
    // Without an underlying: a list of the active timers (possibly empty), in exchangeInfo order.
    const list = ctx.contracts.flatMap((c) => {
      const k = a.killSwitch.get(c.underlying);
      return k ? [{ underlying: c.underlying, countdownTime: k.countdownTime }] : [];
    });
    return JSON.stringify(list);
  };
}

export function heartbeat(ctx: EndpointContext, r: ParamReader, a: AccountEntry): Apply {
  const raw = r.required("underlyings");
  const names = raw.split(",");
  if (names.some((n) => n === "")) throw E.mandatory("underlyings", `empty item in '${raw}'`);
  // Stricter than the documented "only refreshed ones are listed": an unlisted name is a client bug.
  const contracts = [...new Set(names)].map((n) => ctx.listed(n));
  return () => {
    const now = ctx.serverTime();
    const refreshed: string[] = [];
    for (const c of contracts) {
      const k = a.killSwitch.get(c.underlying);
      if (!k) continue;
      k.lastHeartbeatAt = now;
      refreshed.push(c.underlying);
    }
    return JSON.stringify({ underlyings: refreshed });
  };
}
