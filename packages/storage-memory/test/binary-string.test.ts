import { describe, expect, it } from 'vitest';
import { latin1Codecs } from '../src/binary-string.js';

const everyByte = Uint8Array.from({ length: 512 }, (_, i) => (i * 37) & 255);

describe('latin1 codecs', () => {
  it("use Node's own helpers where Buffer has them", () => {
    const native = latin1Codecs(Buffer.prototype);
    expect(native.slice).toBe((Buffer.prototype as unknown as { latin1Slice: unknown }).latin1Slice);
  });

  it('fall back to the documented Buffer spellings on a runtime without them, with the same answers', () => {
    const fallback = latin1Codecs({});
    const native = latin1Codecs(Buffer.prototype);
    expect(fallback.slice).not.toBe(native.slice);
    const offsetView = new Uint8Array(new ArrayBuffer(everyByte.length + 8), 5, everyByte.length);
    offsetView.set(everyByte);
    const text = fallback.slice.call(offsetView, 3, 300);
    expect(text).toBe(native.slice.call(everyByte, 3, 300));
    expect(text.length).toBe(297);
    const out = new Uint8Array(new ArrayBuffer(400), 7, 300);
    expect(fallback.write.call(out, text, 2, text.length)).toBe(297);
    expect(Array.from(out.subarray(2, 299))).toEqual(Array.from(everyByte.subarray(3, 300)));
    expect(out[0]).toBe(0);
  });
});
