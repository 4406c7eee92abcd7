/**
 * The schema encoder's buffers, sized for this game. @colyseus/schema gives every room a 16 KB
 * encode buffer, and Colyseus's serializer one or two more of the same size: 32-48 KB a room, most
 * of what a room of five costs in memory. This game's whole state encodes to at most ~600 bytes (a
 * spec, test/state-size.test.ts, checks the largest a game can reach against half of this size), so
 * 2 KB buffers are enough; a larger state would still work (the encoder grows its buffer, and warns).
 */
import { Encoder } from "@colyseus/schema";

export const ENCODER_BUFFER_BYTES = 2 * 1024;

/** Before any room is created (the size is read when a room's serializer is made). */
export function sizeEncoderBuffers() {
  Encoder.BUFFER_SIZE = ENCODER_BUFFER_BYTES;
}
