// Builds the web client (client/ -> client/dist) after `npm install` and before `npm start`.
// client/vite.config.ts makes it the production client whatever NODE_ENV the shell has, and stamps
// it (client/dist/build.json) so the server can tell a stale or foreign build from a good one.
// An install without dev dependencies (`npm ci --omit=dev`) has no Vite: it keeps a client/dist
// built elsewhere, which the server checks at start against the sources it was built from.
// Other arguments go to `vite build` (the specs build into a temporary directory with --outDir DIR).
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

if (!existsSync(new URL("../node_modules/vite/package.json", import.meta.url))) {
  console.log("web client not built: Vite is not installed (dev dependencies omitted); the server checks client/dist as it is");
  process.exit(0);
}
const args = process.argv.slice(2);
const quiet = args.includes("--quiet") ? ["--logLevel", "warn"] : [];
const viteArgs = args.filter((arg) => arg !== "--quiet");
const result = spawnSync("npx", ["vite", "build", "--config", "client/vite.config.ts", ...quiet, ...viteArgs], { stdio: "inherit" });
process.exit(result.status ?? 1);
