import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MemoryStorageOptions } from '../src/index.js';

describe('constructor options', () => {
  it('refuses unknown options and options that are not a plain object, naming them', () => {
    expect(() => new MemoryStorage({ nmae: 'x' } as MemoryStorageOptions)).toThrow(/unknown option "nmae"/);
    expect(() => new MemoryStorage([] as MemoryStorageOptions)).toThrow(TypeError);
    expect(() => new MemoryStorage(null as unknown as MemoryStorageOptions)).toThrow(/options/);
    expect(new MemoryStorage(undefined).info.name).toBe('memory-storage');
    expect(new MemoryStorage({ name: 'x' }).info.name).toBe('x');
  });
});
