/**
 * Builds the browser client (client/ -> client/dist, served by src/http/client.ts) and runs the dev
 * server. In development the page talks to the game server through the `/colyseus` proxy below, so
 * HTTP routes, matchmaking and room WebSockets all stay same-origin.
 *
 * Which of the two the page is depends on `import.meta.env.DEV` (client/src/api.ts), and Vite
 * derives that from the shell's NODE_ENV, not from the command: `NODE_ENV=development npm start`
 * used to build a client that asked the game server for /colyseus/board. So the command decides
 * here: a build is always the production client, the dev server always the development one.
 * Setting NODE_ENV from the config is what Vite documents for this; it reads it after loading us.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, normalizePath, type Plugin, type ResolvedConfig } from "vite";
import { BUILD_STAMP, REPO_ROOT, makeBuildStamp } from "../src/http/client.ts";

const root = fileURLToPath(new URL(".", import.meta.url));
/** Where `npm start` runs the game server. */
const gameServer = "http://localhost:2567";

/**
 * Writes build.json next to index.html: the mode, and a hash of every project file the bundle was
 * made from, so the server can refuse a build that is stale or not ours instead of serving it.
 */
function buildStamp(): Plugin {
  let config: ResolvedConfig;
  return {
    name: "boardroom-build-stamp",
    apply: "build",
    configResolved(resolved) {
      config = resolved;
    },
    generateBundle() {
      // module ids are slash-separated on every platform; so are the stamp's paths
      const repo = normalizePath(REPO_ROOT);
      const sources = new Set<string>();
      if (config.configFile) sources.add(normalizePath(config.configFile));
      for (const id of this.getModuleIds()) {
        const file = id.split("?")[0];
        if (!id.startsWith("\0") && file.startsWith(repo) && !file.split("/").includes("node_modules")) sources.add(file);
      }
      const files = [...sources].map((file) => normalizePath(relative(repo, file)));
      const stamp = makeBuildStamp(files, config.mode, config.isProduction);
      this.emitFile({ type: "asset", fileName: BUILD_STAMP, source: `${JSON.stringify(stamp, null, 2)}\n` });
    },
  };
}

export default defineConfig(({ command, isPreview }) => {
  if (command === "build") process.env.NODE_ENV = "production";
  else if (!isPreview) process.env.NODE_ENV = "development";
  return {
    root,
    base: "/",
    mode: command === "build" ? "production" : "development",
    publicDir: false,
    plugins: [buildStamp()],
    build: {
      outDir: "dist",
      emptyOutDir: true,
      target: "es2022",
      sourcemap: true,
      chunkSizeWarningLimit: 600,
    },
    server: {
      proxy: {
        "/colyseus": {
          target: gameServer,
          ws: true,
          changeOrigin: true,
          rewrite: (path) => path.replace(/^\/colyseus/, "") || "/",
        },
      },
    },
  };
});
