/**
 * Tables are key prefixes in one RocksDB database: the stored key is the
 * table id as 4 bytes big-endian, then the caller's key. Big-endian keeps the
 * tables in id order and each table's keys contiguous, so a table's range is
 * `[prefix(table), prefix(table + 1))` and no scan can run into the next one.
 * The README says why prefixes and not column families.
 */

/** Bytes of the table-id prefix in front of every stored key. */
export const PREFIX_BYTES = 4;
const LAST_TABLE = 0xffff_ffff;

/** `prefix(table) + key` in a fresh buffer: the stored key, and the copy the contract asks for. */
export function tableKey(table: number, key: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + key.length);
  out.writeUInt32BE(table, 0);
  out.set(key, PREFIX_BYTES);
  return out;
}

/** The stored key and a copy of the value, in one allocation (the binding reads both on its own thread later). */
export function tableEntry(table: number, key: Uint8Array, value: Uint8Array): [key: Buffer, value: Buffer] {
  const keyLength = PREFIX_BYTES + key.length;
  const out = Buffer.allocUnsafe(keyLength + value.length);
  out.writeUInt32BE(table, 0);
  out.set(key, PREFIX_BYTES);
  out.set(value, keyLength);
  return [out.subarray(0, keyLength), out.subarray(keyLength)];
}

/**
 * The stored-key bounds of `[start, end)` in `table`: `gte` always set, `lt`
 * `null` (no bound) only for an empty `end` in the last table, whose range
 * runs to the end of the database.
 */
export function tableRange(table: number, start: Uint8Array, end: Uint8Array): { gte: Buffer; lt: Buffer | null } {
  const gte = tableKey(table, start);
  if (end.length > 0) return { gte, lt: tableKey(table, end) };
  if (table === LAST_TABLE) return { gte, lt: null };
  const lt = Buffer.allocUnsafe(PREFIX_BYTES);
  lt.writeUInt32BE(table + 1, 0);
  return { gte, lt };
}

/** The caller's key of a stored key, as a plain `Uint8Array` view on the binding's fresh buffer. */
export function userKey(stored: Uint8Array): Uint8Array {
  return new Uint8Array(stored.buffer, stored.byteOffset + PREFIX_BYTES, stored.byteLength - PREFIX_BYTES);
}

/** A binding's `Buffer` result as a plain `Uint8Array` over the same fresh memory. */
export function plainBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
