/**
 * Where lines go: a buffer of lines in front of a file descriptor, a file
 * path or a writable stream. Lines are appended to one pending text, written
 * when it reaches the buffer size, on the next turn of the event loop, by
 * `flush()`, and synchronously when the process exits, so a burst of lines
 * costs one system call per buffer instead of one per line and no line is
 * lost on a normal exit or `process.exit()`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { describeValue } from '@sochdb/core';

/** Anything with a stream-like `write(chunk, callback)`; `on('error')` is listened to when present. */
export interface WritableLike {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
}

/** Where lines are written: a file path (opened for appending, created if missing), a file descriptor, or a writable stream. */
export type Destination = string | number | WritableLike;

/** Told when lines could not be written: the error and how many lines were lost. */
export type SinkFailure = (error: unknown, lostLines: number) => void;

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
/** How long a write to a non-blocking descriptor (a pipe, a terminal) keeps retrying `EAGAIN` before it gives up. */
const MAX_BUSY_MS = 1000;
/** How long `close()` waits for a stream to confirm the last writes. */
const STREAM_CLOSE_TIMEOUT_MS = 10_000;
const NEWLINE = Buffer.from('\n');

/** Every sink with lines that must reach the destination before the process ends. */
const open = new Set<LineSink>();
let exitHookInstalled = false;

function flushAllOnExit(): void {
  for (const sink of open) sink.flush();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' runs on a normal end and on process.exit(); only synchronous work
  // happens there, which is why descriptors are written with writeSync.
  process.on('exit', flushAllOnExit);
}

function describeDestination(destination: unknown): string {
  const described = describeValue(destination);
  return typeof destination === 'object' && destination !== null ? `${described} without a write() method` : described;
}

/** A buffered line writer. Never throws after construction; failures go to `onFailure`. */
export class LineSink {
  readonly #fd: number;
  readonly #ownsFd: boolean;
  readonly #stream: WritableLike | undefined;
  readonly #onFailure: SinkFailure;
  readonly #bufferChars: number;
  #pending = '';
  #lines = 0;
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;
  /** After a write stopped mid-line, the next write starts with a newline so the lines after it still parse. */
  #brokenLine = false;
  #streamWrites = 0;
  #streamIdle: (() => void) | undefined;
  #lastError: unknown;
  /** Set when a reader kept a pipe full for MAX_BUSY_MS; cleared by the next write that goes through. */
  #stalled = false;
  readonly #onStreamError = (error: Error): void => this.#onFailure(error, 0);

  /**
   * @param destination - see {@link Destination}; a path is opened here and a failure to open it throws
   * @param bufferBytes - about how many bytes are buffered before a write (counted in UTF-16 code
   *   units, which equal bytes for ASCII text); 0 writes every line at once
   * @param onFailure - told about every failed write and the lines it lost
   */
  constructor(destination: Destination, bufferBytes: number, onFailure: SinkFailure) {
    this.#onFailure = onFailure;
    if (typeof destination === 'number') {
      if (!Number.isInteger(destination) || destination < 0) {
        throw new RangeError(
          `options.destination: a file descriptor must be a non-negative integer; got ${describeValue(destination)}`,
        );
      }
      this.#fd = destination;
      this.#ownsFd = false;
      this.#stream = undefined;
    } else if (typeof destination === 'string') {
      if (destination.length === 0) throw new TypeError('options.destination: the file path is empty');
      try {
        this.#fd = openSync(destination, 'a');
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw Object.assign(
          new Error(`options.destination: cannot open '${destination}' for appending: ${(error as Error).message}`, {
            cause: error,
          }),
          { code },
        );
      }
      this.#ownsFd = true;
      this.#stream = undefined;
    } else if (destination !== null && typeof destination === 'object' && typeof destination.write === 'function') {
      this.#fd = -1;
      this.#ownsFd = false;
      this.#stream = destination;
      // A stream's 'error' event with no listener would crash the process.
      destination.on?.('error', this.#onStreamError);
    } else {
      throw new TypeError(
        `options.destination must be a file path, a file descriptor or a writable stream; got ${describeDestination(destination)}`,
      );
    }
    this.#bufferChars = bufferBytes;
    installExitHook();
  }

  /** Appends one line, which must end with `\n`. */
  add(line: string): void {
    if (this.#closed) {
      this.#onFailure(undefined, 1);
      return;
    }
    // Appending to a string is a rope in V8 (no copy); the text is encoded
    // once per flush, which measured about twice as fast as encoding each
    // line into a Buffer.
    this.#pending += line;
    this.#lines++;
    if (this.#pending.length >= this.#bufferChars) this.flush();
    else if (this.#scheduled === undefined) {
      this.#scheduled = setImmediate(this.#flushLater);
      open.add(this);
    }
  }

  readonly #flushLater = (): void => {
    this.#scheduled = undefined;
    this.flush();
  };

  /** Writes every buffered line now: synchronously to a descriptor, handed to the stream otherwise. */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    open.delete(this);
    if (this.#lines === 0) return;
    const text = this.#pending;
    const lines = this.#lines;
    this.#pending = '';
    this.#lines = 0;
    if (this.#stream !== undefined) this.#writeStream(this.#stream, text, lines);
    else this.#writeFd(text, lines);
  }

  #writeFd(text: string, lines: number): void {
    if (this.#brokenLine) {
      if (this.#writeAll(NEWLINE) === 1) this.#brokenLine = false;
      else {
        this.#onFailure(this.#lastError, lines);
        return;
      }
    }
    // The common case: one write takes the whole text.
    let written = 0;
    try {
      written = writeSync(this.#fd, text);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN') {
        this.#onFailure(error, lines);
        return;
      }
    }
    const bytes = Buffer.byteLength(text);
    if (written === bytes) return;
    const chunk = Buffer.from(text, 'utf8');
    written += this.#writeAll(chunk.subarray(written));
    if (written === chunk.length) return;
    // Count the lines that did not make it whole; a line cut in two is one of them.
    let lost = 0;
    for (let i = written; i < chunk.length; i++) if (chunk[i] === 10) lost++;
    this.#brokenLine = written > 0 && chunk[written - 1] !== 10;
    this.#onFailure(this.#lastError, Math.min(lost, lines));
  }

  /** Writes `chunk` to the descriptor; returns the bytes written, fewer when a write failed (the error in #lastError). */
  #writeAll(chunk: Buffer): number {
    let offset = 0;
    let busyMs = 0;
    while (offset < chunk.length) {
      try {
        offset += writeSync(this.#fd, chunk, offset, chunk.length - offset);
        this.#stalled = false;
      } catch (error) {
        if ((error as { code?: string }).code === 'EAGAIN' && !this.#stalled) {
          if (busyMs < MAX_BUSY_MS) {
            // A non-blocking pipe or terminal is full: wait for the reader.
            Atomics.wait(SLEEP, 0, 0, 1);
            busyMs++;
            continue;
          }
          // The reader is stuck: stop waiting for it until a write goes through again,
          // so a stalled reader costs the application one wait, not one per flush.
          this.#stalled = true;
        }
        this.#lastError = error;
        return offset;
      }
    }
    return offset;
  }

  #writeStream(stream: WritableLike, text: string, lines: number): void {
    if (stream.destroyed === true || stream.writableEnded === true) {
      this.#onFailure(new Error('the destination stream is closed'), lines);
      return;
    }
    this.#streamWrites++;
    try {
      stream.write(text, (error) => {
        if (error) this.#onFailure(error, lines);
        if (--this.#streamWrites === 0) this.#streamIdle?.();
      });
    } catch (error) {
      this.#streamWrites--;
      this.#onFailure(error, lines);
    }
  }

  /**
   * Flushes, waits (up to 10 s) until a stream has confirmed every write, and
   * closes a descriptor this sink opened. Lines added afterwards are counted
   * as lost. Never rejects.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    open.delete(this);
    const stream = this.#stream;
    if (stream !== undefined) {
      if (this.#streamWrites > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, STREAM_CLOSE_TIMEOUT_MS);
          timer.unref();
          this.#streamIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      // The 'error' listener stays: a late error on a stream nobody listens to would crash the process.
    } else if (this.#ownsFd) {
      try {
        closeSync(this.#fd);
      } catch (error) {
        this.#onFailure(error, 0);
      }
    }
  }
}
