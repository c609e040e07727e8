import { describe, expect, it } from 'vitest';
// Imported by path, not by package name: @sochdb/testkit peer-depends on core,
// so core listing the kit as a dependency would make a build cycle.
import { observabilityConformance } from '../../testkit/dist/index.js';
import { isObservabilityExtension, NullObservability, PluginManager } from '../src/index.js';

observabilityConformance('NullObservability', () => new NullObservability());

describe('NullObservability', () => {
  it('is an observability extension that registers, and whose spans are "no span"', async () => {
    const pm = new PluginManager();
    const ext = new NullObservability({ name: 'quiet' });
    expect(isObservabilityExtension(ext)).toBe(true);
    await pm.register(ext);
    expect(pm.listExtensions().map((info) => info.name)).toEqual(['quiet']);
    expect(ext.spanStart()).toBe(0);
    // The manager still hands out an id, mapped to the extension's 0.
    const span = pm.spanStart('s');
    expect(span).toBeGreaterThan(0);
    pm.spanEnd(span);
  });
});
