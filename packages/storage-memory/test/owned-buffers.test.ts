import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../src/index.js';

const EMPTY = new Uint8Array(0);
const utf8 = (text: string) => new TextEncoder().encode(text);

async function store(entries: number): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (let i = 0; i < entries; i++) await s.put(1, utf8(`key-${i}`), utf8(`value-${i}`), 0);
  return s;
}

describe('results are the caller’s own buffers', () => {
  it('transferring a get result empties no other result, on any instance, and breaks no later get', async () => {
    const a = await store(10);
    const b = await store(10);
    const earlier = (await b.get(1, utf8('key-1'))) as Uint8Array;
    const result = (await a.get(1, utf8('key-2'))) as Uint8Array;
    // A buffer shared with anything else would take that with it.
    expect(result.byteOffset).toBe(0);
    expect(result.buffer.byteLength).toBe(result.byteLength);
    const moved = structuredClone(result, { transfer: [result.buffer as ArrayBuffer] });
    expect(new TextDecoder().decode(moved)).toBe('value-2');
    expect(new TextDecoder().decode(earlier)).toBe('value-1');
    for (const s of [a, b]) {
      for (let i = 0; i < 10; i++)
        expect(new TextDecoder().decode(await s.get(1, utf8(`key-${i}`)))).toBe(`value-${i}`);
    }
  });

  it('every key and value of a scan, scanReverse and iterate step owns its whole buffer', async () => {
    const s = await store(50);
    const results = [...(await s.scan(1, EMPTY, EMPTY, Infinity)), ...(await s.scanReverse(1, EMPTY, EMPTY, 20))];
    for await (const entry of s.iterate(1)) results.push(entry);
    const buffers = new Set<ArrayBufferLike>();
    for (const [key, value] of results) {
      for (const array of [key, value]) {
        expect(array.byteOffset).toBe(0);
        expect(array.buffer.byteLength).toBe(array.byteLength);
        buffers.add(array.buffer);
      }
    }
    expect(buffers.size).toBe(results.length * 2);
    // Transferring one scan value leaves its neighbours readable.
    const scanned = await s.scan(1, EMPTY, EMPTY, 3);
    const [, first] = scanned[0] as [Uint8Array, Uint8Array];
    structuredClone(first, { transfer: [first.buffer as ArrayBuffer] });
    expect(new TextDecoder().decode(scanned[1]?.[1])).toBe('value-1');
    expect(new TextDecoder().decode(scanned[0]?.[0])).toBe('key-0');
  });
});
