// Makes the CLI entry executable so `npx mmp-gateway` works right after `npm ci`.
const fs = require("node:fs");
const path = require("node:path");
const cli = path.join(__dirname, "..", "dist", "cli", "main.js");
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
