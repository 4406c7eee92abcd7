/**
 * Builds the browser client (client/ -> client/dist, served by src/http/client.ts) and runs the dev
 * server. In development the page talks to the game server through the `/colyseus` proxy below, so
 * HTTP routes, matchmaking and room WebSockets all stay same-origin.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
/** Where `npm start` runs the game server. */
const gameServer = "http://localhost:2567";

export default defineConfig({
  root,
  base: "/",
  publicDir: false,
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
});
