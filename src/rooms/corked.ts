/**
 * One socket write per client for everything a room sends in one go. A step of the game reaches a
 * client as several WebSocket messages (the state patch, its events, the mover's ack), each written
 * to the TCP socket as it is sent: one syscall per message per client. With each client's socket
 * corked for the time of `send`, they leave together in one writev when it is uncorked at the end,
 * in the same order, in the same tick: nothing is delayed, only the syscalls are fewer.
 */
import type { Client } from "@colyseus/core";

/** What a client's transport holds: a ws WebSocket over a net.Socket (WebSocketTransport). */
interface Corkable {
  cork(): void;
  uncork(): void;
  destroyed: boolean;
}

function socketOf(client: Client): Corkable | undefined {
  // biome-ignore lint/complexity/useLiteralKeys: _socket is ws's own field for its TCP socket; there is no public accessor
  const socket = (client.ref as unknown as Record<string, Corkable | undefined> | undefined)?.["_socket"];
  return socket && typeof socket.cork === "function" && !socket.destroyed ? socket : undefined;
}

export function corked<T>(clients: Iterable<Client>, send: () => T): T {
  const sockets: Corkable[] = [];
  for (const client of clients) {
    const socket = socketOf(client);
    if (!socket) continue;
    socket.cork();
    sockets.push(socket);
  }
  try {
    return send();
  } finally {
    for (const socket of sockets) socket.uncork();
  }
}
