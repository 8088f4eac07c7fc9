/**
 * Commands that run something long-lived: the gateway, the demo, the simulator; and `schema`, which
 * prints the SDL the code defines (schema.graphql is this output, checked in).
 */
import type { Command } from "commander";
import { loadConfig } from "../../config";

// The server stack (Apollo, type-graphql, express) is loaded only by the commands that run it, so the
// admin commands start in a fraction of the time.
const lazy = {
  app: () => import("../../app"),
  schema: () => import("../../graphql/build-schema"),
  demo: () => import("../demo"),
  simulator: () => import("../../simulator/main"),
};

/** Stops cleanly on SIGINT/SIGTERM: in-flight requests and their audit writes finish first. */
function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`mmp-gateway: ${signal} received, shutting down`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`mmp-gateway: shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => handler("SIGINT"));
  process.once("SIGTERM", () => handler("SIGTERM"));
}

export function registerServerCommands(program: Command): void {
  program
    .command("serve")
    .description("start the gateway (configuration from the environment)")
    .action(async () => {
      const config = loadConfig();
      const { startGateway } = await lazy.app();
      const gateway = await startGateway({ config });
      console.log(`mmp-gateway listening on ${gateway.url}/graphql`);
      stopOnSignals(gateway.stop);
    });

  program
    .command("demo")
    .description("run the gateway with the built-in exchange simulator and seeded demo users")
    .action(async () => {
      const { runDemo } = await lazy.demo();
      const demo = await runDemo();
      stopOnSignals(demo.stop);
    });

  program
    .command("schema")
    .description("print the GraphQL schema (SDL) defined by the code")
    .action(async () => {
      const { printGatewaySchema } = await lazy.schema();
      process.stdout.write(await printGatewaySchema());
    });

  program
    .command("simulator")
    .description("run the built-in Binance options simulator on its own")
    .option("--port <port>", "port to listen on", "9000")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--accounts <file>", "JSON file: [{apiKey, keyType, secret | publicKeyPem}]")
    .action(async (opts: { port: string; host: string; accounts?: string }) => {
      const { runSimulatorFromCli } = await lazy.simulator();
      const sim = await runSimulatorFromCli({
        port: Number(opts.port),
        host: opts.host,
        accountsFile: opts.accounts,
      });
      stopOnSignals(() => sim.stop());
    });
}
