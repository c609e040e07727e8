/**
 * Where lines go: a buffer of lines in front of a file descriptor, a file
 * path or a writable stream. Lines are appended to one pending text, written
 * when it reaches the buffer size, on the next turn of the event loop, by
 * `flush()`, and synchronously when the process exits, so a burst of lines
 * costs one system call per buffer instead of one per line and no line is
 * lost on a normal exit or `process.exit()`.
 *
 * A slow reader never blocks the event loop: what a pipe does not take at
 * once waits in a backlog retried on a timer, and a stream that asks for a
 * pause (`write()` returned false) gets nothing more until `'drain'`. Memory
 * held for a slow destination is bounded by `maxBufferedBytes`; lines past it
 * are dropped and counted.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { describeValue } from '@sochdb/core/plugin-kit';

/** Anything with a stream-like `write(chunk, callback)`; `on('error')` and `once('drain')` are used when present. */
export interface WritableLike {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  once?(event: 'drain', listener: () => void): unknown;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
  readonly writableLength?: number;
}

/** Where lines are written: a file path (opened for appending, created if missing), a file descriptor, or a writable stream. */
export type Destination = string | number | WritableLike;

/** Why lines were lost: a failed write (with the error) or a full buffer. */
export type LossReason = 'write-failed' | 'buffer-full';

/** Told when lines could not be written: why, the error if any, and how many lines were lost. */
export type SinkFailure = (reason: LossReason, error: unknown, lostLines: number) => void;

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
/** At exit only: how long a write to a full pipe keeps retrying `EAGAIN` before the rest is counted as lost. */
const EXIT_BUSY_MS = 1000;
/** How long to wait before trying a full pipe again. */
const RETRY_MS = 10;
/** A pipe that took nothing for this long is stalled: retries no longer keep the process alive. */
const STALL_MS = 1000;
/** How long `close()` waits for a stream to confirm the last writes. */
const STREAM_CLOSE_TIMEOUT_MS = 10_000;
const NEWLINE = Buffer.from('\n');

/** Every sink with lines that must reach the destination before the process ends. */
const open = new Set<LineSink>();
let exitHookInstalled = false;

function flushAllOnExit(): void {
  for (const sink of open) sink.flushAtExit();
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

function openForAppend(path: string, what: string): number {
  try {
    return openSync(path, 'a');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw Object.assign(
      new Error(`${what}: cannot open '${path}' for appending: ${(error as Error).message}`, { cause: error }),
      { code },
    );
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

function countNewlines(chunk: Uint8Array, from = 0): number {
  let lines = 0;
  for (let i = from; i < chunk.length; i++) if (chunk[i] === 10) lines++;
  return lines;
}

/** A buffered line writer. Never throws after construction; failures go to `onFailure`. */
export class LineSink {
  #fd: number;
  #path: string | undefined;
  readonly #stream: WritableLike | undefined;
  readonly #onFailure: SinkFailure;
  readonly #bufferChars: number;
  readonly #maxBuffered: number;
  #pending = '';
  #lines = 0;
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;
  /** After a write stopped mid-line, the next write starts with a newline so the lines after it still parse. */
  #brokenLine = false;
  /** Bytes a pipe has not taken yet, oldest first, with the lines they end. */
  readonly #backlog: Buffer[] = [];
  #backlogBytes = 0;
  #retry: NodeJS.Timeout | undefined;
  /** The last byte written to the descriptor ended in the middle of a line. */
  #midLine = false;
  #lastProgress = 0;
  #streamWrites = 0;
  #streamIdle: (() => void) | undefined;
  #waitingForDrain = false;
  readonly #onStreamError = (error: Error): void => this.#onFailure('write-failed', error, 0);
  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.flush();
  };

  /**
   * @param destination - see {@link Destination}; a path is opened here and a failure to open it throws
   * @param bufferBytes - about how many bytes are buffered before a write (counted in UTF-16 code
   *   units, which equal bytes for ASCII text); 0 writes every line at once
   * @param maxBufferedBytes - the most held in memory for a destination that does not keep up; lines past it are dropped
   * @param onFailure - told about every failed write and the lines it lost
   */
  constructor(destination: Destination, bufferBytes: number, maxBufferedBytes: number, onFailure: SinkFailure) {
    this.#onFailure = onFailure;
    if (typeof destination === 'number') {
      if (!Number.isInteger(destination) || destination < 0) {
        throw new RangeError(
          `options.destination: a file descriptor must be a non-negative integer; got ${describeValue(destination)}`,
        );
      }
      this.#fd = destination;
      this.#stream = undefined;
      // A pipe on stdout or stderr that Node has not opened yet is in blocking mode: a slow
      // reader would block every write. Opening the stream makes libuv switch the pipe to
      // non-blocking, so a full pipe answers EAGAIN and the rest waits in the backlog instead.
      if ((destination === 1 || destination === 2) && !isRegularFile(destination)) {
        void (destination === 1 ? process.stdout : process.stderr);
      }
    } else if (typeof destination === 'string') {
      if (destination.length === 0) throw new TypeError('options.destination: the file path is empty');
      this.#fd = openForAppend(destination, 'options.destination');
      this.#path = destination;
      this.#stream = undefined;
    } else if (destination !== null && typeof destination === 'object' && typeof destination.write === 'function') {
      this.#fd = -1;
      this.#stream = destination;
      // A stream's 'error' event with no listener would crash the process.
      destination.on?.('error', this.#onStreamError);
    } else {
      throw new TypeError(
        `options.destination must be a file path, a file descriptor or a writable stream; got ${describeDestination(destination)}`,
      );
    }
    this.#bufferChars = bufferBytes;
    this.#maxBuffered = maxBufferedBytes;
    installExitHook();
  }

  /** Bytes held in memory for the destination: lines not yet written, and what a slow reader has not taken. */
  get bufferedBytes(): number {
    return this.#pending.length + this.#backlogBytes + (this.#stream?.writableLength ?? 0);
  }

  /** Appends one line, which must end with `\n`; a line that would pass `maxBufferedBytes` is dropped and counted. */
  add(line: string): void {
    if (this.#closed) {
      this.#onFailure('write-failed', undefined, 1);
      return;
    }
    if (this.#pending.length + line.length + this.#backlogBytes > this.#maxBuffered) {
      this.#onFailure('buffer-full', undefined, 1);
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

  /**
   * Writes every buffered line now: synchronously to a file, as much as a
   * pipe takes (the rest retried shortly), handed to a stream unless it
   * asked for a pause.
   */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    if (this.#lines === 0) {
      if (this.#backlogBytes === 0) open.delete(this);
      return;
    }
    const stream = this.#stream;
    if (stream !== undefined && this.#waitingForDrain) return; // written on 'drain'
    const text = this.#pending;
    const lines = this.#lines;
    this.#pending = '';
    this.#lines = 0;
    if (stream !== undefined) {
      open.delete(this);
      this.#writeStream(stream, text, lines);
    } else this.#writeFd(text, lines);
  }

  /** The exit hook: everything, synchronously, waiting a little for a pipe that is slow but not stalled. */
  flushAtExit(): void {
    if (this.#retry !== undefined) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
    }
    this.flush();
    if (this.#backlogBytes > 0) this.#drainBacklog(!this.#stalled() ? EXIT_BUSY_MS : 0, true);
  }

  /**
   * For a file path: closes the file and opens the path again (or `path`,
   * when given), as after logrotate renamed it. Buffered lines are written
   * to the old file first. On failure the old file stays in use and the
   * error is returned.
   */
  reopen(path?: string): Error | undefined {
    const target = path ?? this.#path;
    if (target === undefined || this.#closed) return undefined;
    this.flush();
    let fd: number;
    try {
      fd = openForAppend(target, 'reopen');
    } catch (error) {
      return error as Error;
    }
    const old = this.#fd;
    this.#fd = fd;
    this.#path = target;
    this.#brokenLine = false;
    try {
      closeSync(old);
    } catch (error) {
      this.#onFailure('write-failed', error, 0);
    }
    return undefined;
  }

  /** True when this sink can be reopened: its destination is a file path. */
  get reopenable(): boolean {
    return this.#path !== undefined;
  }

  #writeFd(text: string, lines: number): void {
    if (this.#backlogBytes > 0) {
      // Behind what a slow pipe has not taken yet: keep the order.
      this.#queue(Buffer.from(text, 'utf8'));
      this.#drainBacklog(0, false);
      return;
    }
    if (this.#brokenLine) {
      try {
        writeSync(this.#fd, NEWLINE);
        this.#brokenLine = false;
      } catch (error) {
        this.#onFailure('write-failed', error, lines);
        return;
      }
    }
    // The common case: one write takes the whole text.
    let written = 0;
    try {
      written = writeSync(this.#fd, text);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN') {
        this.#onFailure('write-failed', error, lines);
        return;
      }
    }
    const bytes = Buffer.byteLength(text);
    if (written === bytes) return;
    // A pipe took part of it (or nothing): the rest waits for the reader, never blocking the event loop.
    const chunk = Buffer.from(text, 'utf8');
    this.#midLine = written > 0 && chunk[written - 1] !== 10;
    this.#queue(chunk.subarray(written));
    this.#lastProgress = Date.now(); // the backlog starts now: the reader is not stalled yet
    this.#drainBacklog(0, false);
  }

  #queue(chunk: Buffer): void {
    this.#backlog.push(chunk);
    this.#backlogBytes += chunk.length;
    open.add(this);
  }

  #stalled(): boolean {
    return this.#backlogBytes > 0 && Date.now() - this.#lastProgress >= STALL_MS;
  }

  /**
   * Writes the backlog until the pipe is full (EAGAIN), then schedules a
   * retry. `busyMs` > 0 (at exit only) waits for the reader that long.
   */
  #drainBacklog(busyMs: number, atExit: boolean): void {
    let waited = 0;
    while (this.#backlogBytes > 0) {
      const chunk = this.#backlog[0] as Buffer;
      let written: number;
      try {
        written = writeSync(this.#fd, chunk);
      } catch (error) {
        if ((error as { code?: string }).code === 'EAGAIN') {
          if (waited < busyMs) {
            Atomics.wait(SLEEP, 0, 0, 1);
            waited++;
            continue;
          }
          break;
        }
        // The destination failed: everything waiting is lost.
        this.#loseBacklog(error);
        return;
      }
      this.#lastProgress = Date.now();
      if (written > 0) this.#midLine = chunk[written - 1] !== 10;
      this.#backlogBytes -= written;
      if (written === chunk.length) this.#backlog.shift();
      else this.#backlog[0] = chunk.subarray(written);
    }
    if (this.#backlogBytes === 0) {
      if (this.#lines === 0) open.delete(this);
      return;
    }
    if (atExit) {
      this.#loseBacklog(
        Object.assign(new Error('the reader did not take the last lines before the process exited'), {
          code: 'EAGAIN',
        }),
      );
      return;
    }
    if (this.#retry === undefined) {
      this.#retry = setTimeout(this.#retryLater, RETRY_MS);
      // A stalled reader must not keep the process alive; a slow one may.
      if (this.#stalled()) this.#retry.unref();
    }
  }

  readonly #retryLater = (): void => {
    this.#retry = undefined;
    this.#drainBacklog(0, false);
  };

  #loseBacklog(error: unknown): void {
    let lost = 0;
    for (const chunk of this.#backlog) lost += countNewlines(chunk);
    // A line cut in two: the next write starts on a new line so the lines after it still parse.
    this.#brokenLine = this.#midLine;
    this.#backlog.length = 0;
    this.#backlogBytes = 0;
    if (this.#lines === 0) open.delete(this);
    this.#onFailure('write-failed', error, lost);
  }

  #writeStream(stream: WritableLike, text: string, lines: number): void {
    if (stream.destroyed === true || stream.writableEnded === true) {
      this.#onFailure('write-failed', new Error('the destination stream is closed'), lines);
      return;
    }
    this.#streamWrites++;
    try {
      const more = stream.write(text, (error) => {
        if (error) this.#onFailure('write-failed', error, lines);
        if (--this.#streamWrites === 0) this.#streamIdle?.();
      });
      if (!more && typeof stream.once === 'function') {
        // Backpressure: nothing more until the stream drains; lines wait in #pending, bounded.
        this.#waitingForDrain = true;
        stream.once('drain', this.#onDrain);
      }
    } catch (error) {
      this.#streamWrites--;
      this.#onFailure('write-failed', error, lines);
    }
  }

  /**
   * Flushes, waits (up to 10 s) until a stream has confirmed every write, and
   * closes a descriptor this sink opened. Lines added afterwards are counted
   * as lost. Never rejects.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#waitingForDrain) {
      // Hand the stream what waits: it is ending, backpressure no longer matters.
      this.#waitingForDrain = false;
    }
    this.flush();
    this.#closed = true;
    const stream = this.#stream;
    if (stream !== undefined) {
      open.delete(this);
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
      return;
    }
    if (this.#backlogBytes > 0) this.flushAtExit();
    open.delete(this);
    if (this.#path !== undefined) {
      try {
        closeSync(this.#fd);
      } catch (error) {
        this.#onFailure('write-failed', error, 0);
      }
    }
  }
}
