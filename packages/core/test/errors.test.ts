import { describe, expect, it } from 'vitest';
import { ErrorCode, isKernelError, KernelError } from '../src/index.js';

/** A second, independent copy of core's built module, as an application with two installs would have. */
async function otherCopy() {
  const url = new URL(`../dist/index.js?copy=${Math.random()}`, import.meta.url).href;
  return (await import(/* @vite-ignore */ url)) as typeof import('../src/index.js');
}

describe('KernelError', () => {
  it('carries kind, code, message and cause', () => {
    const cause = new Error('EACCES');
    const error = new KernelError('io', 'SOCHDB_X', 'cannot open', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('KernelError');
    expect(error.kind).toBe('io');
    expect(error.code).toBe('SOCHDB_X');
    expect(error.message).toBe('cannot open');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('KernelError: cannot open');
    expect(Object.keys(error)).toEqual(['kind', 'code']);
  });

  it('refuses an unknown kind or an empty code', () => {
    expect(() => new KernelError('nope' as never, 'C', 'm')).toThrow(/kind must be one of io, transaction/);
    expect(() => new KernelError('io', '', 'm')).toThrow(/code must be a non-empty string/);
  });

  it('has stable codes that all carry the SOCHDB_ prefix and are unique', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^SOCHDB_[A-Z_]+$/);
  });
});

describe('isKernelError', () => {
  it('recognises errors from this copy and rejects look-alikes', () => {
    expect(isKernelError(new KernelError('plugin', 'C', 'm'))).toBe(true);
    expect(isKernelError(new Error('m'))).toBe(false);
    expect(isKernelError({ kind: 'plugin', code: 'C', message: 'm' })).toBe(false);
    expect(isKernelError(null)).toBe(false);
    expect(isKernelError('KernelError')).toBe(false);
  });

  it('recognises an error thrown by another copy of core, where instanceof fails', async () => {
    const copy = await otherCopy();
    expect(copy.KernelError).not.toBe(KernelError);
    const foreign = new copy.KernelError('corruption', copy.ErrorCode.CORRUPT, 'bad frame');
    expect(foreign instanceof KernelError).toBe(false);
    expect(isKernelError(foreign)).toBe(true);
    expect(copy.isKernelError(new KernelError('io', 'C', 'm'))).toBe(true);
  });
});
