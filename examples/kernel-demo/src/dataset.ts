/**
 * Rows for the demo: generated deterministically, or read from a JSON Lines
 * file of the user's (one object per line).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One row: any JSON object. */
export type Row = Record<string, unknown>;

const CITIES = [
  'Amsterdam',
  'Bangalore',
  'Berlin',
  'Bogotá',
  'Cairo',
  'Chicago',
  'Dublin',
  'Hanoi',
  'Lagos',
  'Lima',
  'Lisbon',
  'Montreal',
  'Nairobi',
  'Osaka',
  'Oslo',
  'Paris',
  'Perth',
  'Seoul',
  'Tallinn',
  'Zürich',
];
const WORDS = [
  'ledger',
  'vector',
  'index',
  'page',
  'commit',
  'replica',
  'shard',
  'cursor',
  'snapshot',
  'tenant',
  'query',
  'span',
];

/** A small seeded generator (mulberry32), so every run makes the same rows. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Components of a generated row's `embedding`: one per word the notes are made of. */
export const EMBEDDING_DIMENSIONS = WORDS.length;

/**
 * `count` generated rows: an id, a name, a city, an age, a note of 30-90 words
 * (so values are worth compressing) and the note's `embedding`, a vector of
 * {@link EMBEDDING_DIMENSIONS} numbers (how often each word occurs: a
 * bag-of-words stand-in for a model's output, for the vector index to cover).
 */
export function* generateRows(count: number, seed = 42): Generator<Row> {
  const next = random(seed);
  for (let id = 0; id < count; id++) {
    const embedding = new Array<number>(WORDS.length).fill(0);
    const words = Array.from({ length: 30 + Math.floor(next() * 60) }, () => {
      const word = Math.floor(next() * WORDS.length);
      embedding[word] = (embedding[word] as number) + 1;
      return WORDS[word];
    });
    yield {
      id,
      name: `user-${id.toString(36).padStart(5, '0')}`,
      city: CITIES[Math.floor(next() * CITIES.length)],
      age: 18 + Math.floor(next() * 70),
      note: words.join(' '),
      embedding,
    };
  }
}

/** Reads a JSON Lines file; a line that is not a JSON object is an error naming the line. */
export async function readRows(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  let line = 0;
  const input = createReadStream(file);
  // An unreadable file (missing, a folder, no permission) is the user's to fix: one line, no stack.
  const opened = new Promise<void>((resolve, reject) => {
    input.once('ready', resolve);
    input.once('error', (error: NodeJS.ErrnoException) =>
      reject(new DataError(`${file}: cannot read the data file (${error.code ?? error.message})`)),
    );
  });
  await opened;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw new DataError(`${file}:${line}: not JSON (${(error as Error).message})`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new DataError(`${file}:${line}: not a JSON object`);
    rows.push(row as Row);
  }
  if (rows.length === 0) throw new DataError(`${file}: no rows (one JSON object a line)`);
  return rows;
}

/** A data file the demo cannot use, printed as one line. */
export class DataError extends Error {
  override readonly name = 'DataError';
}
