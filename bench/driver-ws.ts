/**
 * Imported first by the driver: without Node's built-in WebSocket, @colyseus/sdk falls back to the
 * `ws` package (its WebSocketTransport picks `globalThis.WebSocket || ws` when it loads), so every
 * adapter speaks through the same WebSocket client (socket.io-client uses `ws` in Node too). In a
 * profile of the driver at 2,000 players and 50 ms think, undici's WebSocket took 16% of its time
 * and `ws` 8%; the driver stayed the limit either way (schema decoding and GC are most of the rest).
 */
delete (globalThis as { WebSocket?: unknown }).WebSocket;
