/** This package's version, as in its package.json (a test keeps the two equal). */
export const VERSION = '0.2.0';
