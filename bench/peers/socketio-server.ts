/**
 * A hand-written Socket.IO room server for bench --compare (not shipped): create / join by 6-digit
 * code / act, each move applied by room.ts, acknowledged to the mover through Socket.IO's ack
 * callback, and the new state broadcast to the room. `PORT=3000 node --import tsx bench/peers/socketio-server.ts`
 */
import { createServer } from "node:http";
import { Server } from "socket.io";
import { act, createRoom, health, joinRoom, leaveRoom, type PeerRoom } from "./room.ts";

type Reply = (answer: unknown) => void;
const http = createServer((req, res) => (req.url === "/health" ? res.end(health(io.engine.clientsCount)) : res.writeHead(404).end()));
const io = new Server(http, { serveClient: false });

io.on("connection", (socket) => {
  let room: PeerRoom | null = null;
  const enter = (code: () => unknown, name: unknown, reply: Reply) => {
    const joined = room ? "ALREADY_IN_A_ROOM" : joinRoom(code(), socket.id, name);
    if (typeof joined === "string") return reply({ error: joined });
    room = joined;
    void socket.join(joined.code);
    reply({ id: socket.id, code: joined.code });
    io.to(joined.code).emit("state", joined);
  };
  socket.on("create", (msg, reply: Reply) => (typeof reply === "function" ? enter(() => createRoom(msg?.maxRounds).code, msg?.name, reply) : undefined));
  socket.on("join", (msg, reply: Reply) => (typeof reply === "function" ? enter(() => msg?.code, msg?.name, reply) : undefined));
  socket.on("action", (msg, reply: Reply) => {
    if (typeof reply !== "function") return;
    if (!room) return reply({ opId: msg?.opId, error: "NOT_IN_A_ROOM" });
    const error = act(room, socket.id, msg?.move);
    if (error) return reply({ opId: msg?.opId, error });
    io.to(room.code).emit("state", room);
    reply({ opId: msg?.opId, seq: room.seq });
  });
  socket.on("disconnect", () => {
    if (!room) return;
    leaveRoom(room, socket.id);
    io.to(room.code).emit("state", room);
  });
});

http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
