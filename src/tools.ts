/**
 * @colyseus/tools reads `.env` files itself the first time it is imported, and prints a line about
 * them on every start ("optional .env file not found", or a dotenv banner). The settings have read
 * those files already (loadEnvFiles in src/config.ts, before anything is parsed), so its output
 * there says nothing new: the first import runs with the console silenced (a failing import still
 * throws).
 */
export async function importColyseusTools(): Promise<typeof import("@colyseus/tools")> {
  return quietly(() => import("@colyseus/tools"));
}

/** Runs `load` with console.log, .info and .error silenced. */
export async function quietly<T>(load: () => T | Promise<T>): Promise<T> {
  const { log, info, error } = console;
  console.log = console.info = console.error = () => {};
  try {
    return await load();
  } finally {
    Object.assign(console, { log, info, error });
  }
}
