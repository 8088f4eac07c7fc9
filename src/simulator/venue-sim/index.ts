/** What the venue simulators (Deribit, OKX, Bybit) share: see http-venue-simulator.ts. */
export { CallLog } from "./call-log";
export { HttpVenueSimulator, type VenueReply, type VenueRequest } from "./http-venue-simulator";
export { LoopbackServer } from "./loopback-server";
export { PendingFaults } from "./pending-faults";
export {
  header,
  isJsonContentType,
  parseJsonObjectBody,
  parseStrictQuery,
  pushCapped,
  readCappedBody,
} from "./request";
export type { FaultTimes, HttpFault, PathFaultOptions, RecordedHttpRequest, VenueSimOptions } from "./types";
