/**
 * Errors given as log fields, written as pino writes `err` (its standard
 * serializer, pino-std-serializers' `err`): `type` (the constructor's name),
 * `message` and `stack` with the cause chain folded in (`outer: inner`,
 * `caused by: ...`), `aggregateErrors` for an `AggregateError`, and the
 * error's own enumerable properties (`code`, ...). So `pino-pretty` and log
 * shippers that read pino's `err` read ours.
 */

interface ErrorLike {
  message: string;
  stack?: unknown;
  cause?: unknown;
  errors?: unknown;
  name?: unknown;
}

/** pino's test: anything whose `message` is a string. */
function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

/** Whether a field value is an error (of any realm) and is written as an object. */
export function isError(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Error]')
  );
}

/** The cause pino follows: `cause`, or what a VError-style `cause()` returns, when error-like. */
function causeOf(error: ErrorLike): ErrorLike | undefined {
  const cause = error.cause;
  if (typeof cause === 'function') {
    const result: unknown = (cause as () => unknown).call(error);
    return isErrorLike(result) ? result : undefined;
  }
  return isErrorLike(cause) ? cause : undefined;
}

function messageWithCauses(error: ErrorLike, seen: Set<ErrorLike>, skip: boolean): string {
  const message = skip ? '' : error.message || '';
  if (seen.has(error)) return `${message}: ...`;
  const cause = causeOf(error);
  if (cause === undefined) return message;
  seen.add(error);
  const vErrorStyle = typeof error.cause === 'function';
  return message + (vErrorStyle ? '' : ': ') + messageWithCauses(cause, seen, vErrorStyle);
}

function stackWithCauses(error: ErrorLike, seen: Set<ErrorLike>): string {
  const stack = typeof error.stack === 'string' ? error.stack : '';
  if (seen.has(error)) return `${stack}\ncauses have become circular...`;
  const cause = causeOf(error);
  if (cause === undefined) return stack;
  seen.add(error);
  return `${stack}\ncaused by: ${stackWithCauses(cause, seen)}`;
}

function serialize(error: unknown, inProgress: Set<unknown>): unknown {
  if (!isErrorLike(error)) return error;
  inProgress.add(error);
  const out: Record<string, unknown> = {};
  const maker = (error as { constructor?: unknown }).constructor;
  out.type = typeof maker === 'function' ? maker.name : error.name;
  out.message = messageWithCauses(error, new Set(), false);
  out.stack = stackWithCauses(error, new Set());
  if (Array.isArray(error.errors)) out.aggregateErrors = error.errors.map((inner) => serialize(inner, inProgress));
  for (const key in error) {
    if (out[key] !== undefined) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (isErrorLike(value)) {
      if (key !== 'cause' && !inProgress.has(value)) out[key] = serialize(value, inProgress);
    } else out[key] = value;
  }
  inProgress.delete(error);
  return out;
}

/**
 * The JSON text of an error field, as pino writes `err`. Throws when the
 * error cannot be read (a throwing getter) or one of its own properties
 * cannot be written as JSON (a bigint, a cycle); the caller then falls back
 * to {@link errorFallbackText}.
 */
export function errorText(error: Error): string {
  // JSON.stringify escapes lone surrogates, so the text is valid JSON whatever the error holds.
  return JSON.stringify(serialize(error, new Set()));
}

/** The type and message alone, for an error whose other parts cannot be written. */
export function errorFallbackText(error: Error): string {
  let type = 'Error';
  let message = '';
  try {
    const maker = (error as { constructor?: unknown }).constructor;
    type = typeof maker === 'function' ? maker.name : String(error.name);
    message = String(error.message);
  } catch {
    // Keep what could be read.
  }
  return JSON.stringify({ type, message });
}
