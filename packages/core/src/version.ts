/** The version of this copy of `@sochdb/core` (written from package.json at build time). */
export const VERSION = '1.0.0';
