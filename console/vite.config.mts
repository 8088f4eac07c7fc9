// Builds the operator console into dist/console, served by the gateway at /console/ (src/http/console.routes.ts).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  publicDir: false,
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    // GraphiQL (Monaco) is large; it is a lazily loaded chunk of its own page, never of the first screen.
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
  },
  worker: { format: "es" },
});
