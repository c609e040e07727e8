import { type ErrorCode, KernelError } from '@sochdb/core';

/** The codes `decompress` throws, all with kind `corruption`. */
export type DecompressErrorCode =
  | typeof ErrorCode.CORRUPT
  | typeof ErrorCode.TRUNCATED
  | typeof ErrorCode.CHECKSUM_MISMATCH
  | typeof ErrorCode.UNSUPPORTED
  | typeof ErrorCode.OVER_LIMIT;

/** Makes the one error type `decompress` throws: a `KernelError` of kind `corruption`. */
export function corruption(code: DecompressErrorCode, message: string, cause?: unknown): KernelError {
  return new KernelError('corruption', code, `lz4: ${message}`, cause === undefined ? undefined : { cause });
}
