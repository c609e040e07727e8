/** The version of this copy of `@sochdb/core` (package.json's; `pnpm version-packages` keeps them equal). */
export const VERSION = '1.1.0';
