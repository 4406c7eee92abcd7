/**
 * @colyseus/tools reads `.env` files itself the first time it is imported, and prints a line about
 * them on every start ("optional .env file not found", or a dotenv banner). The settings have read
 * those files already (loadEnvFiles in src/config.ts, before anything is parsed), so its output
 * there says nothing new: the first import runs with console.log and console.info silenced.
 */
export async function importColyseusTools(): Promise<typeof import("@colyseus/tools")> {
  const { log, info } = console;
  console.log = console.info = () => {};
  try {
    return await import("@colyseus/tools");
  } finally {
    console.log = log;
    console.info = info;
  }
}
