/**
 * What both stores check and compare about log records, so that they accept, refuse and call
 * "the same entry" exactly alike.
 */
import { isDeepStrictEqual } from "node:util";
import type { LogRecord } from "./types.ts";

/** A record as stored: its position and its entry as JSON text. */
export interface StoredRecord {
  n: number;
  json: string;
}

/**
 * The records of one append as JSON text; throws on what no store may hold: a position that is not
 * a whole number >= 1, positions that do not follow each other, an entry that is not a JSON object.
 */
export function serializeRecords(roomId: string, records: LogRecord[]): StoredRecord[] {
  return records.map((record, i) => {
    const { n, entry } = record;
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`room ${roomId}: log position ${n} is not a whole number from 1`);
    if (i > 0 && n !== records[i - 1].n + 1) throw new RangeError(`room ${roomId}: log positions ${records[i - 1].n} and ${n} do not follow each other`);
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new TypeError(`room ${roomId}: log entry ${n} is not an object`);
    return { n, json: JSON.stringify(entry) };
  });
}

/** Two entries are the same when their JSON values are equal (key order and spacing aside). */
export function sameEntry(storedJson: string, json: string): boolean {
  return storedJson === json || isDeepStrictEqual(JSON.parse(storedJson), JSON.parse(json));
}

export function parseRecord(n: number, json: string): LogRecord {
  return { n, entry: JSON.parse(json) as object };
}
