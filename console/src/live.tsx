// MMP events from the subscription: the newest config per account/underlying (rows update without a
// reload) and the alerts a trader must see at once.
import { createContext, useContext } from "react";
import type { MmpEvent } from "./documents";
import type { ResultOf } from "./graphql";
import type { MmpConfigFields } from "./documents";

export type MmpConfig = ResultOf<typeof MmpConfigFields>;

export interface Alert {
  id: string;
  kind: MmpEvent["kind"];
  text: string;
}

export interface LiveState {
  /** the newest config seen per `${accountId}/${underlying}` (events and this console's own changes) */
  configs: ReadonlyMap<string, MmpConfig>;
  /** a config the console just received (a mutation's answer) */
  put(config: MmpConfig): void;
}

export const Live = createContext<LiveState>({ configs: new Map(), put: () => {} });

export const useLive = () => useContext(Live);

export const configKey = (accountId: string, underlying: string) => `${accountId}/${underlying}`;

/** the newer of two reads of the same row */
export function newer(a: MmpConfig, b: MmpConfig | undefined): MmpConfig {
  return b && Number(b.observedAt) >= Number(a.observedAt) ? b : a;
}
