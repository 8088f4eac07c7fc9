/**
 * The listed option underlyings and their ids, as exchangeInfo reports them and as every endpoint that
 * takes an `underlying` checks it.
 */
import { E } from "./errors";

export const DEFAULT_UNDERLYINGS: readonly string[] = [
  "BTCUSDT",
  "ETHUSDT",
  "BNBUSDT",
  "SOLUSDT",
  "XRPUSDT",
  "DOGEUSDT",
];

// Binance's MMP example gives BTCUSDT underlyingId 2; the others are undocumented, so fixed and stable.
const KNOWN_UNDERLYING_IDS: Readonly<Record<string, number>> = {
  BTCUSDT: 2,
  ETHUSDT: 3,
  BNBUSDT: 4,
  SOLUSDT: 5,
  XRPUSDT: 6,
  DOGEUSDT: 7,
};
const FIRST_CUSTOM_UNDERLYING_ID = 100;

export interface Contract {
  id: number;
  underlying: string;
  baseAsset: string;
  quoteAsset: string;
}

export function buildContracts(underlyings: readonly string[]): Contract[] {
  if (underlyings.length === 0) throw new Error("simulator: at least one underlying is needed");
  const used = new Set<number>();
  let next = FIRST_CUSTOM_UNDERLYING_ID;
  const out: Contract[] = [];
  for (const u of underlyings) {
    const m = /^([A-Z0-9]+?)(USDT|USDC)$/.exec(u);
    if (!m || m[1] === undefined || m[2] === undefined) {
      throw new Error(`simulator: underlying '${u}' must be <BASE>USDT or <BASE>USDC in capitals`);
    }
    if (out.some((c) => c.underlying === u)) throw new Error(`simulator: underlying '${u}' listed twice`);
    let id = KNOWN_UNDERLYING_IDS[u];
    if (id === undefined) {
      while (used.has(next)) next++;
      id = next;
    }
    used.add(id);
    out.push({ id, underlying: u, baseAsset: m[1], quoteAsset: m[2] });
  }
  return out;
}

/** The contract listed for `value` (exact, case-sensitive), else -1128. */
export function listedContract(byUnderlying: ReadonlyMap<string, Contract>, value: string): Contract {
  const c = byUnderlying.get(value);
  if (!c) throw E.invalidUnderlying(value);
  return c;
}
