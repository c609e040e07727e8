// The testkit's own tests: each suite must pass on a correct implementation
// and fail, on the test named for the rule, on an implementation that breaks
// that one rule. The suites run through vitest's programmatic API on the
// fixtures in test/fixtures/ (one vitest run for all of them), and the
// failures are read back per implementation.
import { fileURLToPath } from 'node:url';
import type { Extension } from '@sochdb/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVitest } from 'vitest/node';
import {
  compressionConformance,
  indexConformance,
  observabilityConformance,
  storageConformance,
} from '../src/index.js';
import { brokenCodecs } from './broken/compression.js';
import { brokenFixedWidthIndexes, brokenIndexes, brokenVectorIndexes } from './broken/index.js';
import { brokenObservability } from './broken/observability.js';
import { brokenStorages } from './broken/storage.js';
import type { BrokenVariant } from './broken/variant.js';
import { GzipCodec } from './reference/gzip-codec.js';
import { RecordingObservability } from './reference/recording-observability.js';
import { SortedArrayStorage } from './reference/sorted-array-storage.js';
import { SortedPairsIndex } from './reference/sorted-pairs-index.js';

interface Outcome {
  readonly passed: string[];
  readonly failed: string[];
  readonly skipped: string[];
  /** The first error message of each failed test, by test name. */
  readonly messages: Map<string, string>;
}

/** Outcomes keyed by `<kind>/<implementation>`, e.g. `storage/broken:inclusive-end`. */
const outcomes = new Map<string, Outcome>();

const KINDS = ['storage', 'index', 'compression', 'observability'] as const;

beforeAll(async () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const vitest = await createVitest('test', {
    config: false,
    root,
    include: ['test/fixtures/*.fixture.ts'],
    watch: false,
    // A reporter with no hooks: the fixture run's expected failures are data here, not output.
    reporters: [{}],
    pool: 'threads',
    maxWorkers: 2,
    fileParallelism: true,
  });
  try {
    const { testModules, unhandledErrors } = await vitest.start();
    expect(unhandledErrors, 'unhandled errors in the fixture run').toEqual([]);
    expect(testModules.map((module) => module.moduleId.split('/').pop()).sort()).toEqual(
      KINDS.map((kind) => `${kind}.fixture.ts`).sort(),
    );
    for (const module of testModules) {
      const kind = (module.moduleId.split('/').pop() ?? '').replace('.fixture.ts', '');
      const errors = module.errors();
      expect(errors, `errors collecting ${kind}.fixture.ts`).toEqual([]);
      for (const test of module.children.allTests()) {
        const top = test.fullName.split(' > ')[0] ?? '';
        const implementation = top.split(' — ')[0] ?? top;
        const key = `${kind}/${implementation}`;
        let outcome = outcomes.get(key);
        if (outcome === undefined) {
          outcome = { passed: [], failed: [], skipped: [], messages: new Map() };
          outcomes.set(key, outcome);
        }
        const state = test.result().state;
        if (state === 'passed') outcome.passed.push(test.name);
        else if (state === 'failed') {
          outcome.failed.push(test.name);
          outcome.messages.set(test.name, test.result().errors?.[0]?.message ?? '');
        } else outcome.skipped.push(test.name);
      }
    }
    // TESTKIT_PRINT_OUTCOMES=1 lists every failed test per implementation, to review what each variant trips.
    if (process.env.TESTKIT_PRINT_OUTCOMES) {
      for (const [key, outcome] of outcomes) console.log(key, JSON.stringify(outcome.failed));
    }
  } finally {
    await vitest.close();
    // The inner run marks a failed run on the process; the failures here are the point.
    process.exitCode = 0;
  }
}, 600_000);

function outcomeOf(kind: string, implementation: string): Outcome {
  const outcome = outcomes.get(`${kind}/${implementation}`);
  if (outcome === undefined) throw new Error(`no results for ${kind}/${implementation}`);
  return outcome;
}

describe('the suites pass on correct implementations', () => {
  it.each([
    ['storage', 'correct'],
    ['index', 'correct'],
    ['index', 'correct-vector'],
    ['index', 'correct-fixed-width'],
    ['compression', 'correct'],
    ['observability', 'correct'],
    ['observability', 'correct-null'],
  ])('%s suite passes every test on the %s reference', (kind, implementation) => {
    const outcome = outcomeOf(kind, implementation);
    expect(outcome.failed).toEqual([]);
    expect(outcome.passed.length).toBeGreaterThan(10);
  });
});

function catches<T extends Extension>(kind: string, variants: Record<string, BrokenVariant<T>>): void {
  describe(`the ${kind} suite catches each broken implementation`, () => {
    for (const [id, variant] of Object.entries(variants)) {
      it(`${id}: ${variant.broken}`, () => {
        const outcome = outcomeOf(kind, `broken:${id}`);
        for (const name of variant.caughtBy) {
          expect(outcome.passed, `"${name}" must fail on this implementation`).not.toContain(name);
          expect(outcome.failed, `"${name}" must fail on this implementation`).toContain(name);
        }
      });
    }
  });
}

/**
 * The mutation gate: every test of every suite must be failed by at least
 * one broken variant, or it could not tell a wrong plugin from a right one.
 * Prints, per suite test, the variants that fail it.
 */
describe('mutation coverage: every suite test is failed by at least one broken variant', () => {
  it.each(KINDS)('every %s suite test is caught', (kind) => {
    const tests = new Set<string>();
    const catchers = new Map<string, string[]>();
    for (const [key, outcome] of outcomes) {
      if (!key.startsWith(`${kind}/`)) continue;
      for (const name of [...outcome.passed, ...outcome.failed, ...outcome.skipped]) tests.add(name);
      const implementation = key.slice(kind.length + 1);
      if (!implementation.startsWith('broken:')) continue;
      for (const name of outcome.failed) {
        const list = catchers.get(name) ?? [];
        list.push(implementation.slice('broken:'.length));
        catchers.set(name, list);
      }
    }
    const lines = [...tests].sort().map((name) => {
      const by = catchers.get(name) ?? [];
      return `  ${by.length === 0 ? 'NOT CAUGHT' : `${by.length} variant${by.length === 1 ? '' : 's'}`.padEnd(10)}  ${name}${by.length === 0 ? '' : `  <- ${by.join(', ')}`}`;
    });
    console.log(`${kind} suite: ${tests.size} tests, the broken variants that fail each\n${lines.join('\n')}`);
    expect(
      [...tests].filter((name) => (catchers.get(name) ?? []).length === 0),
      `${kind} suite tests no broken variant fails`,
    ).toEqual([]);
  });
});

describe('the wrong plugins of issue 9 fail their suite', () => {
  it('a gzip codec that calls itself lz4 fails the reference-frame test', () => {
    expect(outcomeOf('compression', 'broken:gzip-as-lz4').failed).toContain(
      "decompress decodes frames made by the algorithm's reference tool to what that tool decodes them to",
    );
  });

  it('a codec checked without maxOutputBytes fails the bomb tests', () => {
    expect(outcomeOf('compression', 'misuse:no-max-output-bytes').failed).toContain(
      'decompress refuses a frame that would decode to more than maxOutputBytes',
    );
  });

  it('an observability whose counterInc is async fails', () => {
    expect(outcomeOf('observability', 'broken:async-counter').failed).toContain(
      'every hot-path method returns synchronously, never a promise',
    );
  });

  it('a store that writes after shutdown fails', () => {
    expect(outcomeOf('storage', 'broken:writes-after-shutdown').failed).toContain(
      'nothing is written after shutdown: every call rejects and a reopened instance does not see them',
    );
  });
});

catches('storage', brokenStorages);
catches('index', { ...brokenIndexes, ...brokenVectorIndexes, ...brokenFixedWidthIndexes });
catches('compression', brokenCodecs);
catches('observability', brokenObservability);

describe('optional methods of another shape', () => {
  it('a store with an iterate of its own (not the contract signature) fails no required test', () => {
    const outcome = outcomeOf('storage', 'other-iterate');
    expect(outcome.passed.length).toBeGreaterThan(40);
    expect(outcome.failed.filter((name) => !name.startsWith('iterate, when present'))).toEqual([]);
  });
});

describe('misuse is one clear error, not a cascade', () => {
  it.each([
    [
      'storageConformance',
      () => storageConformance('x', new SortedArrayStorage() as never),
      /got a SortedArrayStorage/,
    ],
    ['indexConformance', () => indexConformance('x', new SortedPairsIndex() as never), /got a SortedPairsIndex/],
    ['compressionConformance', () => compressionConformance('x', new GzipCodec() as never), /got a GzipCodec/],
    [
      'observabilityConformance',
      () => observabilityConformance('x', new RecordingObservability() as never),
      /got a RecordingObservability/,
    ],
    [
      'storageConformance',
      () => storageConformance('x', SortedArrayStorage as never),
      /the class SortedArrayStorage itself \(pass \(\) => new SortedArrayStorage\(\)\)/,
    ],
  ])(
    '%s with an instance or a class instead of a factory throws a TypeError when the suite is defined',
    (suite, define, shown) => {
      expect(define).toThrow(TypeError);
      expect(define).toThrow(
        new RegExp(
          `^${suite}\\(name, factory\\): factory must be a function returning a fresh extension, e\\.g\\. \\(\\) => new My`,
        ),
      );
      expect(define).toThrow(shown);
    },
  );

  it('indexConformance with a keys encoding that loses order, merges keys or is no function throws when defined', () => {
    const factory = () => new SortedPairsIndex();
    const reversed = (key: Uint8Array) => Uint8Array.from(key, (byte) => 255 - byte);
    expect(() => indexConformance('x', factory, { keys: { encode: reversed } })).toThrow(
      /^indexConformance: options\.keys\.encode must be injective and keep bytewise order, but <00> < <01> encode to <ff> and <fe>$/,
    );
    const firstByte = (key: Uint8Array) => key.slice(0, 1);
    expect(() => indexConformance('x', factory, { keys: { encode: firstByte } })).toThrow(RangeError);
    const notBytes = (key: Uint8Array) => [...key] as unknown as Uint8Array;
    expect(() => indexConformance('x', factory, { keys: { encode: notBytes } })).toThrow(
      /^indexConformance: options\.keys\.encode must return a Uint8Array; got an Array for <>$/,
    );
    expect(() => indexConformance('x', factory, { keys: {} as never })).toThrow(TypeError);
  });

  it('a plugin module passed as the extension fails every test with one line naming the problem', () => {
    const outcome = outcomeOf('compression', 'misuse:plugin-module');
    expect(outcome.passed).toEqual([]);
    expect(outcome.failed.length).toBeGreaterThan(10);
    for (const name of outcome.failed) {
      expect(outcome.messages.get(name), name).toMatch(
        /^not a valid compression extension: this is a plugin module, not an extension: register the extension it makes/,
      );
    }
  });

  it('without options.maxOutputBytes the bomb tests fail (not skip), saying the option is required', () => {
    const outcome = outcomeOf('compression', 'misuse:no-max-output-bytes');
    const bombs = [
      'decompress accepts a frame that decodes to exactly maxOutputBytes',
      'decompress refuses a frame that would decode to more than maxOutputBytes',
      'the output bound covers the total of concatenated frames',
    ];
    for (const bomb of bombs) {
      expect(outcome.failed).toContain(bomb);
      expect(outcome.messages.get(bomb)).toMatch(/^options\.maxOutputBytes is required/);
    }
    expect(outcome.skipped.filter((name) => bombs.includes(name))).toEqual([]);
  });

  it('a bomb test that fails because the factory did not pass the bound asks about maxOutputBytes', () => {
    const outcome = outcomeOf('compression', 'misuse:bound-not-passed');
    const bomb = 'decompress refuses a frame that would decode to more than maxOutputBytes';
    expect(outcome.failed).toContain(bomb);
    expect(outcome.messages.get(bomb)).toMatch(
      /returned \d+ bytes; .* Does your factory pass the same maxOutputBytes to the codec as the suite's options\?/,
    );
  });
});
