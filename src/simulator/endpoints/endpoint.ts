/** What an eapi endpoint is to the simulator, and what the endpoints may use of it. */
import type { AccountEntry } from "../accounts";
import type { Contract } from "../contracts";
import type { ParamReader } from "../params";

/** Validates the parameters and returns the mutation to run once every parameter has been read. */
export type Apply = () => string;

export type Endpoint = { method: "GET" | "POST"; path: string; weight: number } & (
  | { signed: false; prepare: (r: ParamReader) => Apply }
  | { signed: true; prepare: (r: ParamReader, account: AccountEntry) => Apply }
);

export interface EndpointContext {
  /** in exchangeInfo order */
  readonly contracts: readonly Contract[];
  /** the contract listed for an `underlying` parameter, else -1128 */
  listed(underlying: string): Contract;
  /** the exchange's clock */
  serverTime(): number;
  /** REQUEST_WEIGHT per IP per minute */
  readonly weightLimit: number;
}
