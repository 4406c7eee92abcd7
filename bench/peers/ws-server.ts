/**
 * The same protocol as socketio-server.ts on raw `ws` (bench --compare's floor, not shipped): JSON
 * messages `{type, rid, ...}` (`create`, `join`, `action` with `move` and `opId`), answers `{type: "reply", rid, ...}`, and `{type: "state", state}`
 * sent to every member after each move. `PORT=3001 node --import tsx bench/peers/ws-server.ts`
 */
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { act, createRoom, health, joinRoom, leaveRoom, rooms, type PeerRoom } from "./room.ts";

const http = createServer((req, res) => (req.url === "/health" ? res.end(health(wss.clients.size)) : res.writeHead(404).end()));
const wss = new WebSocketServer({ server: http, maxPayload: 4096 });
const members = new Map<string, Set<WebSocket>>();
let nextId = 0;

function broadcast(room: PeerRoom) {
  const text = JSON.stringify({ type: "state", state: room });
  for (const ws of members.get(room.code) ?? []) ws.send(text);
}

wss.on("connection", (ws) => {
  const id = `c${++nextId}`;
  let room: PeerRoom | null = null;
  const reply = (rid: unknown, body: object) => ws.send(JSON.stringify({ type: "reply", rid, ...body }));
  ws.on("message", (data) => {
    let msg: { type?: unknown; rid?: unknown; code?: unknown; name?: unknown; maxRounds?: unknown; move?: unknown; opId?: unknown };
    try {
      msg = JSON.parse(String(data));
    } catch {
      return ws.close(1003, "not JSON");
    }
    if (msg.type === "create" || msg.type === "join") {
      const joined = room ? "ALREADY_IN_A_ROOM" : joinRoom(msg.type === "create" ? createRoom(msg.maxRounds).code : msg.code, id, msg.name);
      if (typeof joined === "string") return reply(msg.rid, { error: joined });
      room = joined;
      if (!members.has(joined.code)) members.set(joined.code, new Set());
      members.get(joined.code)!.add(ws);
      reply(msg.rid, { id, code: joined.code });
      return broadcast(joined);
    }
    if (msg.type !== "action") return reply(msg.rid, { error: "UNKNOWN_TYPE" });
    if (!room) return reply(msg.rid, { opId: msg.opId, error: "NOT_IN_A_ROOM" });
    const error = act(room, id, msg.move);
    if (error) return reply(msg.rid, { opId: msg.opId, error });
    broadcast(room);
    reply(msg.rid, { opId: msg.opId, seq: room.seq });
  });
  ws.on("close", () => {
    if (!room) return;
    leaveRoom(room, id);
    members.get(room.code)?.delete(ws);
    if (!rooms.has(room.code)) members.delete(room.code);
    else broadcast(room);
  });
});

http.listen(Number(process.env.PORT ?? 3001), "127.0.0.1");
