/** An HTTP server on a loopback port that tracks its sockets, so that stop() ends every connection at once. */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export class LoopbackServer {
  private server: http.Server | undefined;
  private baseUrl = "";
  private readonly sockets = new Set<Socket>();

  /** `name` prefixes the error of `url` before start() */
  constructor(private readonly name: string) {}

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Listens (once; the URL again when listening) and returns the base URL; `setup` sees the server first. */
  async start(
    handler: http.RequestListener,
    host: string,
    port: number,
    setup?: (server: http.Server) => void,
  ): Promise<string> {
    if (this.server) return this.baseUrl;
    const server = http.createServer(handler);
    setup?.(server);
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    const addrHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    this.baseUrl = `http://${addrHost}:${addr.port}`;
    return this.baseUrl;
  }

  /** Closes the server and every connection; `beforeClose` runs first, only when it was listening. */
  async stop(beforeClose?: () => void): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    beforeClose?.();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** the base URL, e.g. http://127.0.0.1:43121; throws before start() */
  get url(): string {
    if (this.baseUrl === "") throw new Error(`${this.name}: call start() first`);
    return this.baseUrl;
  }
}
