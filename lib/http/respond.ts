import type { Failure, FailureKind } from "@/lib/result";

/**
 * The HTTP status of each kind of expected failure. A refusal is 422: the request was
 * understood and is refused by the rules. "unknown" is 502: the provider behind us may
 * have acted, so the caller retries with the same key.
 */
export const FAILURE_STATUS: Record<FailureKind, number> = {
  invalid: 400,
  not_found: 404,
  refused: 422,
  unavailable: 503,
  unknown: 502,
};

/** The one shape of an error answer of a route: `{"error": "..."}`. */
export function errorResponse(status: number, message: string, headers?: HeadersInit): Response {
  return Response.json({ error: message }, { status, headers });
}

/** A domain failure as an error answer. */
export function failureResponse(failure: Failure, headers?: HeadersInit): Response {
  return errorResponse(FAILURE_STATUS[failure.kind], failure.message, headers);
}
