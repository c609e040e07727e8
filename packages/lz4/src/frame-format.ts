/**
 * Constants of the LZ4 frame format (lz4 `doc/lz4_Frame_format.md`, v1.6.x),
 * named once so the encoder and decoder cannot disagree.
 */

/** Magic number of an LZ4 frame, read little-endian. */
export const FRAME_MAGIC = 0x184d2204;
/** Skippable frames use magic numbers `0x184D2A50` to `0x184D2A5F`. */
export const SKIPPABLE_MAGIC_BASE = 0x184d2a50;
/** Mask that maps every skippable magic number onto {@link SKIPPABLE_MAGIC_BASE}. */
export const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
/** Magic number of the legacy frame format (`lz4 -l`), which we do not read. */
export const LEGACY_MAGIC = 0x184c2102;

/** FLG bits 7-6: the format version, which must be `01`. */
export const FLG_VERSION_MASK = 0xc0;
/** The only version this format has. */
export const FLG_VERSION_01 = 0x40;
/** FLG bit 5: blocks do not reference earlier blocks. */
export const FLG_BLOCK_INDEPENDENCE = 0x20;
/** FLG bit 4: every block is followed by an XXH32 of its stored bytes. */
export const FLG_BLOCK_CHECKSUM = 0x10;
/** FLG bit 3: the header carries the decompressed size (8 bytes). */
export const FLG_CONTENT_SIZE = 0x08;
/** FLG bit 2: the frame ends with an XXH32 of the decompressed content. */
export const FLG_CONTENT_CHECKSUM = 0x04;
/** FLG bit 1: reserved, must be 0. */
export const FLG_RESERVED = 0x02;
/** FLG bit 0: the header carries a dictionary id (4 bytes). */
export const FLG_DICT_ID = 0x01;

/** BD bits 7 and 3-0 are reserved and must be 0. */
export const BD_RESERVED = 0x8f;
/** BD bits 6-4: the block maximum size id. */
export const BD_BLOCK_SIZE_SHIFT = 4;

/** Block maximum size in bytes for each block size id 4-7 (64 KiB, 256 KiB, 1 MiB, 4 MiB). */
export function blockMaxSize(id: number): number {
  return 1 << (8 + 2 * id);
}

/** The high bit of a block size field: the block is stored uncompressed. */
export const BLOCK_UNCOMPRESSED = 0x80000000;

/** The most bytes one byte of an LZ4 block can expand into (a 255 in a length run adds 255 bytes). */
export const MAX_EXPANSION = 255;
/** LZ4 matches are at least 4 bytes long. */
export const MIN_MATCH = 4;
