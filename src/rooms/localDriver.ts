/**
 * The room cache of a single process (no REDIS_URL): Colyseus's LocalDriver, with look-ups by
 * roomId through a map. LocalDriver keeps its rooms in an array and answers `findByIds` and
 * `findOne({ roomId })` by walking all of it: every join by code (`GET /rooms/:code`, then
 * `joinById`) and every quick-play seat check walked the thousand rooms of a busy process
 * (3% of the server's CPU at 5,000 players in the `--compare` profile, bench/results/
 * profile-2026-12-01T23-50-19-compare-ours.md). The map holds the same objects as the array:
 * Colyseus updates a listing by assigning its fields, so both always agree.
 */
import { LocalDriver, type IRoomCache, type SortOptions } from "@colyseus/core";

export class IndexedLocalDriver extends LocalDriver {
  private readonly byId = new Map<string, IRoomCache>();

  override async findByIds(roomIds: string[]): Promise<Map<string, IRoomCache>> {
    const found = new Map<string, IRoomCache>();
    for (const roomId of roomIds) {
      const room = this.byId.get(roomId);
      if (room) found.set(roomId, room);
    }
    return found;
  }

  override findOne(conditions: Partial<IRoomCache>, sortOptions?: SortOptions): Promise<IRoomCache> {
    if (typeof conditions.roomId !== "string") return super.findOne(conditions, sortOptions);
    const room = this.byId.get(conditions.roomId);
    const matches = room !== undefined && Object.entries(conditions).every(([field, value]) => fieldIs(room, field, value));
    // LocalDriver's findOne answers undefined for no room, whatever its type says
    return Promise.resolve((matches ? room : undefined) as IRoomCache);
  }

  override async insert(room: IRoomCache) {
    const inserted = await super.insert(room);
    if (inserted) this.byId.set(room.roomId, room);
    return inserted;
  }

  override persist(room: IRoomCache, create = false) {
    const persisted = super.persist(room, create);
    if (persisted) this.byId.set(room.roomId, room);
    return persisted;
  }

  override remove(roomId: string) {
    this.byId.delete(roomId);
    return super.remove(roomId);
  }

  override clear() {
    this.byId.clear();
    super.clear();
  }
}

/** LocalDriver's Query: a condition names a field of the listing, else of its metadata; a field in neither fails. */
function fieldIs(room: IRoomCache, field: string, value: unknown): boolean {
  const listing = room as unknown as Record<string, unknown>;
  if (Object.hasOwn(listing, field)) return listing[field] === value;
  const metadata = room.metadata as Record<string, unknown> | undefined;
  if (metadata && Object.hasOwn(metadata, field)) return metadata[field] === value;
  return false;
}
