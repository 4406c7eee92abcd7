/**
 * The Node.js check that src/index.ts runs before it loads the server: Colyseus 0.18 needs Node 22, and on an
 * older Node it fails later in confusing ways (or, worse, half works). One line says what to do.
 */
export const MIN_NODE_MAJOR = 22;

/** Null when `version` (like "v22.3.0" or "22.3.0") can run the server, else the one-line reason. */
export function unsupportedNode(version: string, execPath: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= MIN_NODE_MAJOR) return null;
  return (
    `Boardroom needs Node.js ${MIN_NODE_MAJOR} or newer, but this is Node ${version.replace(/^v/, "")} (${execPath}). ` +
    `Start it with \`npm start\`, which runs the project's own Node ${MIN_NODE_MAJOR} (installed by \`npm install\`), or install Node ${MIN_NODE_MAJOR}+.`
  );
}
