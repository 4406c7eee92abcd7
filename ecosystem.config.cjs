/**
 * PM2: N server processes on one machine, sharing Redis (rooms, listing, matchmaking) and MySQL
 * (join codes, match records). `npx pm2 start ecosystem.config.cjs` (pm2 is not a dependency).
 *
 * Each instance listens on PORT + NODE_APP_INSTANCE (2567, 2568, ...) and advertises its own port
 * in seat reservations through PUBLIC_ADDRESS ("{port}" is replaced by the instance's port), so a
 * client's WebSocket reaches the process that hosts its room. Put the load balancer's address for
 * that process there in production (host:port, or host/path with path-based routing).
 *
 * Override with the environment: INSTANCES, PORT, REDIS_URL, MYSQL_URL, PUBLIC_ADDRESS.
 */
const instances = Number(process.env.INSTANCES || 2);

module.exports = {
  apps: [
    {
      name: "boardroom",
      script: "src/index.ts",
      interpreter: "node",
      // tsx runs the TypeScript as `npm start` does; node is the project's Node 22 when started through npx
      interpreter_args: "--import tsx",
      // fork mode: each instance is its own process on its own port (no cluster-mode port sharing).
      // PM2 numbers the instances in NODE_APP_INSTANCE (0, 1, ...); the server listens on PORT + that number.
      exec_mode: "fork",
      instances,
      env: {
        NODE_ENV: "production",
        DOTENV_CONFIG_QUIET: "true",
        PORT: process.env.PORT || 2567,
        REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379",
        MYSQL_URL: process.env.MYSQL_URL || "mysql://root@127.0.0.1:3306/boardroom",
        PUBLIC_ADDRESS: process.env.PUBLIC_ADDRESS || "127.0.0.1:{port}",
      },
      kill_timeout: 15000,
      max_memory_restart: "2G",
    },
  ],
};
