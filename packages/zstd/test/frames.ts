/** Hand-built zstd frames for tests: headers that lie, bombs, odd but valid shapes. */

export interface FrameSpec {
  /** Frame_Content_Size; omitted = not in the header. */
  contentSize?: number;
  /** Bytes of the FCS field: 1 (single segment only), 2, 4 or 8. Chosen from the value when omitted. */
  fcsBytes?: 1 | 2 | 4 | 8;
  singleSegment?: boolean;
  /** Window_Descriptor byte (ignored for single-segment frames). Default 0x00 (1 KiB)... see windowLog. */
  windowLog?: number;
  dictionaryId?: number;
  checksum?: number;
  reservedBit?: boolean;
  blocks: Array<{
    type: 'raw' | 'rle' | 'compressed' | 'reserved';
    size: number;
    payload?: Uint8Array;
    last?: boolean;
  }>;
}

function le(value: number, bytes: number): number[] {
  const out: number[] = [];
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  return out;
}

/** Builds a frame exactly as `spec` says, valid or not. */
export function buildFrame(spec: FrameSpec): Uint8Array {
  const bytes: number[] = [0x28, 0xb5, 0x2f, 0xfd];
  const single = spec.singleSegment === true;
  let fcsBytes = 0;
  if (spec.contentSize !== undefined) {
    fcsBytes =
      spec.fcsBytes ??
      (single && spec.contentSize < 256
        ? 1
        : spec.contentSize >= 256 && spec.contentSize < 65536 + 256
          ? 2
          : spec.contentSize < 2 ** 32
            ? 4
            : 8);
  }
  const fcsFlag = { 0: 0, 1: 0, 2: 1, 4: 2, 8: 3 }[fcsBytes] as number;
  const dictBytes =
    spec.dictionaryId === undefined ? 0 : spec.dictionaryId < 256 ? 1 : spec.dictionaryId < 65536 ? 2 : 4;
  const dictFlag = { 0: 0, 1: 1, 2: 2, 4: 3 }[dictBytes] as number;
  bytes.push(
    (fcsFlag << 6) |
      (single ? 0x20 : 0) |
      (spec.reservedBit ? 0x08 : 0) |
      (spec.checksum !== undefined ? 0x04 : 0) |
      dictFlag,
  );
  if (!single) bytes.push(((spec.windowLog ?? 17) - 10) << 3);
  if (spec.dictionaryId !== undefined) bytes.push(...le(spec.dictionaryId, dictBytes));
  if (spec.contentSize !== undefined)
    bytes.push(...le(fcsBytes === 2 ? spec.contentSize - 256 : spec.contentSize, fcsBytes));
  spec.blocks.forEach((block, i) => {
    const last = block.last ?? i === spec.blocks.length - 1;
    const type = { raw: 0, rle: 1, compressed: 2, reserved: 3 }[block.type];
    bytes.push(...le((block.size << 3) | (type << 1) | (last ? 1 : 0), 3));
    const payload =
      block.payload ??
      (block.type === 'rle' ? new Uint8Array([0x61]) : new Uint8Array(block.type === 'reserved' ? 0 : block.size));
    bytes.push(...payload);
  });
  if (spec.checksum !== undefined) bytes.push(...le(spec.checksum, 4));
  return new Uint8Array(bytes);
}
