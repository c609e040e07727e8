import { describe, expect, it, vi } from 'vitest';
import {
  definePlugin,
  ErrorCode,
  isCompatibleCoreVersion,
  isKernelError,
  isPluginManager,
  isPluginModule,
  PluginManager,
} from '../src/index.js';

describe('isCompatibleCoreVersion (OpenTelemetry’s rule)', () => {
  it.each([
    ['1.0.0', '1.0.0', true],
    ['1.2.0', '1.4.1', true], // older minor: fine
    ['1.4.9', '1.4.1', true], // newer patch, same minor: fine
    ['1.5.0', '1.4.1', false], // newer minor: may use API we lack
    ['2.0.0', '1.4.1', false],
    ['0.3.1', '0.3.2', true],
    ['0.3.3', '0.3.2', false], // 0.x: patch is the minor
    ['0.4.0', '0.3.2', false],
    ['1.0.0-rc.1', '1.0.0', false], // prereleases only match exactly
    ['1.0.0-rc.1', '1.0.0-rc.1', true],
    ['garbage', '1.0.0', false],
  ])('%s made, %s running: %s', (other, own, expected) => {
    expect(isCompatibleCoreVersion(other, own)).toBe(expected);
  });
});

describe('brands across copies', () => {
  it('isPluginManager accepts a manager and refuses lookalikes', () => {
    expect(isPluginManager(new PluginManager())).toBe(true);
    expect(isPluginManager({ register() {} })).toBe(false);
  });

  it('isPluginManager explains, rather than silently refusing, a manager of an incompatible core', () => {
    const foreign = {};
    Object.defineProperty(foreign, Symbol.for('@sochdb/core:PluginManager'), { value: '9.0.0' });
    let error: unknown;
    try {
      isPluginManager(foreign);
    } catch (e) {
      error = e;
    }
    expect(isKernelError(error) && error.code).toBe(ErrorCode.CORE_INCOMPATIBLE);
    expect((error as Error).message).toContain('npm ls @sochdb/core');
  });

  it('definePlugin brands the module without changing what it enumerates', () => {
    const module = definePlugin({ apiVersion: 1, capability: 'custom:x', create: () => ({}) as never });
    expect(Object.keys(module)).toEqual(['apiVersion', 'capability', 'create']);
    expect((module as unknown as Record<symbol, unknown>)[Symbol.for('@sochdb/core:PluginModule')]).toBeTypeOf(
      'string',
    );
    expect(() => definePlugin({ apiVersion: 1 } as never)).toThrow(/definePlugin: the argument is not a plugin module/);
  });

  it('definePlugin never mutates its argument: a frozen module works, and the original stays unbranded', () => {
    const original = Object.freeze({ apiVersion: 1, capability: 'custom:x' as const, create: () => ({}) as never });
    const module = definePlugin(original);
    expect(isPluginModule(module)).toBe(true);
    expect((module as unknown as Record<symbol, unknown>)[Symbol.for('@sochdb/core:PluginModule')]).toBeTypeOf(
      'string',
    );
    expect(Object.getOwnPropertySymbols(original)).toEqual([]);
    expect(module.create).toBe(original.create);
    expect(Object.keys(module)).toEqual(['apiVersion', 'capability', 'create']);
  });

  it('definePlugin keeps a module class’s prototype methods', () => {
    class Module {
      readonly apiVersion = 1;
      readonly capability = 'custom:y' as const;
      create() {
        return { made: this.capability } as never;
      }
    }
    const module = definePlugin(new Module());
    expect(module.create()).toEqual({ made: 'custom:y' });
  });

  it('warns when a copy of core this one is incompatible with is loaded too', async () => {
    const copies = Symbol.for('@sochdb/core:copies');
    const global = globalThis as Record<symbol, unknown>;
    const saved = global[copies];
    global[copies] = [{ version: '7.0.0', location: 'file:///elsewhere/node_modules/@sochdb/core/dist/index.js' }];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const url = new URL(`../dist/index.js?copy=${Math.random()}`, import.meta.url).href;
      const copy = (await import(/* @vite-ignore */ url)) as typeof import('../src/index.js');
      new copy.PluginManager();
      new copy.PluginManager();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        /Two incompatible copies of @sochdb\/core are loaded: 7\.0\.0 .* and 1\./,
      );
    } finally {
      warn.mockRestore();
      global[copies] = saved;
    }
  });
});
