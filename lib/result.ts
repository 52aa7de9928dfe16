/**
 * The one shape of an expected failure: a domain function answers `Result`, and a caller
 * maps a failure to what its user sees (a form's message, an HTTP status). Exceptions are
 * for bugs and for what nobody can act on.
 *
 * - `invalid`: the request itself is wrong (a field, a body); `fields` says what is wrong
 *   with each field, where the request names fields.
 * - `not_found`: nothing of that id in this account.
 * - `refused`: the rules do not allow it now (seats in use, a card the bank declines).
 * - `unavailable`: a provider did not answer; nothing changed, trying again is safe.
 * - `unknown`: a provider may have acted but the answer is not recorded; retrying with
 *   the same idempotency key is safe, a new key is not.
 */
export type FailureKind = "invalid" | "not_found" | "refused" | "unavailable" | "unknown";

export interface Failure {
  kind: FailureKind;
  /** Words the user can act on. */
  message: string;
  /** A message per field of the request that is wrong, when the failure is about fields. */
  fields?: Record<string, string>;
}

export type Result<T = void> = { ok: true; value: T } | { ok: false; failure: Failure };

export function ok(): Result<void>;
export function ok<T>(value: T): Result<T>;
export function ok<T>(value?: T): Result<T | undefined> {
  return { ok: true, value };
}

export function fail(kind: FailureKind, message: string, fields?: Record<string, string>): { ok: false; failure: Failure } {
  return { ok: false, failure: fields ? { kind, message, fields } : { kind, message } };
}
