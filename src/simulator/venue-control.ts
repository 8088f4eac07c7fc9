/**
 * The demo's control routes for the simulated venues beside Binance (Binance's simulator has its own):
 * `POST /trigger?venue=deribit&apiKey=…&underlying=btc_usd` makes that venue trigger MMP for the key
 * and scope, as a burst of fills would. Loopback only, demo only: it is a test fixture, not an API.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { SimulatedVenue, VenueSimulators } from "./venue-simulators";

export interface VenueControl {
  url: string;
  stop(): Promise<void>;
}

export async function startVenueControl(venues: VenueSimulators): Promise<VenueControl> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    const answer = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || url.pathname !== "/trigger") {
      answer(404, { error: "POST /trigger?venue=&apiKey=&underlying=" });
      return;
    }
    const venue = url.searchParams.get("venue") as SimulatedVenue | null;
    const apiKey = url.searchParams.get("apiKey") ?? "";
    const underlying = url.searchParams.get("underlying") ?? "";
    try {
      if (venue === "deribit") venues.deribit.trigger(apiKey, underlying);
      else if (venue === "okx") venues.okx.trigger(apiKey, underlying);
      else if (venue === "bybit") venues.bybit.trigger(apiKey, underlying);
      else throw new Error(`venue must be one of ${venues.venues.join(", ")}`);
      answer(200, { triggered: { venue, underlying } });
    } catch (e) {
      answer(400, { error: e instanceof Error ? e.message : String(e) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
