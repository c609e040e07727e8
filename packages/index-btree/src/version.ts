/** This package's version, reported in `info.version`. Kept equal to package.json's by a test. */
export const VERSION = '0.2.0';
