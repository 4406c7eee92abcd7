/**
 * PM2: N server processes on one machine, sharing Redis (rooms, listing, matchmaking) and MySQL
 * (join codes, match records). `npx pm2 start ecosystem.config.cjs` in the repository, so that PM2
 * and every instance run on the project's Node 22 (see below).
 *
 * Each instance listens on PORT + NODE_APP_INSTANCE (2567, 2568, ...) and advertises its own port
 * in seat reservations through PUBLIC_ADDRESS ("{port}" is replaced by the instance's port), so a
 * client's WebSocket reaches the process that hosts its room. Put the load balancer's address for
 * that process there in production (host:port, or host/path with path-based routing).
 *
 * Cluster mode, not fork mode, because of `pm2 reload`: in fork mode PM2 reloads by restarting
 * (stop, then start), so the instance's port refuses connections until the new process listens.
 * In cluster mode PM2's daemon holds the listening sockets: the new process of an instance listens
 * on the same PORT + NODE_APP_INSTANCE beside the old one, and the old one is stopped only once
 * the new one is ready. Outside a reload each port still has exactly one process behind it.
 * Cluster workers run on the Node that started the PM2 daemon (the interpreter setting is not
 * used), hence `npx pm2` in the repository, whose node_modules/.bin/node is Node 22.
 *
 * Override with the environment: INSTANCES, PORT, REDIS_URL, MYSQL_URL, PUBLIC_ADDRESS.
 * test/pm2.test.ts starts and reloads this file for real.
 */
const instances = Number(process.env.INSTANCES || 2);

module.exports = {
  apps: [
    {
      name: "boardroom",
      script: "src/index.ts",
      interpreter: "node",
      // tsx runs the TypeScript as `npm start` does
      interpreter_args: "--import tsx",
      exec_mode: "cluster",
      instances,
      env: {
        NODE_ENV: "production",
        DOTENV_CONFIG_QUIET: "true",
        PORT: process.env.PORT || 2567,
        REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379",
        MYSQL_URL: process.env.MYSQL_URL || "mysql://root@127.0.0.1:3306/boardroom",
        PUBLIC_ADDRESS: process.env.PUBLIC_ADDRESS || "127.0.0.1:{port}",
      },
      // A process is ready when listen() (@colyseus/tools) has sent process.send("ready"): after the
      // migrations, the Redis connections and the listen itself. `pm2 reload` waits for it before it
      // stops the old process of that instance.
      wait_ready: true,
      // How long a reload waits for "ready" before it stops the old process anyway. A start takes
      // 3-4 s on the 2-core machine of the README, up to 31 s when the machine was overloaded.
      listen_timeout: 60000,
      // SIGINT, then SIGKILL after this long. A graceful stop (rooms disposed, players told
      // SERVER_SHUTDOWN, join codes released) took 0.2 s with 10 rooms and 1.5 s with 1,000 rooms
      // and 2,000 players; a stop cut short leaves its join codes to the stale-process sweep.
      kill_timeout: 15000,
      max_memory_restart: "2G",
    },
  ],
};
