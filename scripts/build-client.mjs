// Builds the web client (client/ -> client/dist) after `npm install` and before `npm start`.
// An install without dev dependencies (`npm ci --omit=dev`) has no Vite: it keeps a client/dist
// built elsewhere, and the server says at / how to build one if there is none.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

if (!existsSync(new URL("../node_modules/vite/package.json", import.meta.url))) {
  console.log("web client not built: Vite is not installed (dev dependencies omitted); serving client/dist as it is");
  process.exit(0);
}
const quiet = process.argv.includes("--quiet") ? ["--logLevel", "warn"] : [];
const result = spawnSync("npx", ["vite", "build", "--config", "client/vite.config.ts", ...quiet], { stdio: "inherit" });
process.exit(result.status ?? 1);
