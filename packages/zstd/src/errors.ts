import { KernelError } from '@sochdb/core';

/**
 * A `corruption` {@link KernelError}: what `decompress` throws for every input
 * it cannot turn back into exactly the bytes that were compressed.
 */
export function corruption(code: string, message: string, cause?: unknown): KernelError {
  return new KernelError('corruption', code, message, cause === undefined ? undefined : { cause });
}
