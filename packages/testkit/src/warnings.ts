/**
 * Testing an extension's default report channel (a process warning) without
 * printing it: the warnings are captured and handed to the test to assert.
 */

/**
 * Runs `run` with Node's own warning printers detached and returns every
 * process warning emitted meanwhile (and up to one macrotask after, since
 * `process.emitWarning` delivers on the next tick). The printers are put back
 * afterwards, also when `run` throws, so warnings outside it print as usual.
 *
 * ```ts
 * const warnings = await captureWarnings(async () => {
 *   new MyMetrics().counterInc('c', -1); // default onError: a SochDBWarning
 * });
 * expect(warnings.map((w) => w.name)).toEqual(['SochDBWarning']);
 * ```
 */
export async function captureWarnings(run: () => unknown): Promise<Error[]> {
  const warnings: Error[] = [];
  const capture = (warning: Error) => warnings.push(warning);
  const printers = process.listeners('warning');
  for (const printer of printers) process.off('warning', printer);
  process.on('warning', capture);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    process.off('warning', capture);
    for (const printer of printers) process.on('warning', printer);
  }
  return warnings;
}
