// Keeps src/version.ts equal to package.json's version, so the brand a
// running copy of core carries is the version npm installed.
import { readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const file = new URL('../src/version.ts', import.meta.url);
const text = `/** The version of this copy of \`@sochdb/core\` (written from package.json at build time). */\nexport const VERSION = '${pkg.version}';\n`;
let current = '';
try {
  current = readFileSync(file, 'utf8');
} catch {}
if (current !== text) writeFileSync(file, text);
