// The one error type of the client: every refusal of the API (its `{"error": {"code", "message"}}`
// body), a network failure and a refused socket or feed all become an ApiError with a stable
// `code` to branch on (docs/API.md lists the codes).

export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The API's stable snake_case code; `network` when the server could not be reached. */
    readonly code: string,
    message: string,
    /** Seconds from `Retry-After` (429, 503, 421), else null. */
    readonly retryAfter: number | null = null,
    /** The response's `x-request-id`: quote it when reporting a problem. */
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

/** The body of an API error, or null when `body` is not one. */
export function errorOf(body: unknown): { code: string; message: string } | null {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!error || typeof error.code !== "string") return null;
  return { code: error.code, message: typeof error.message === "string" ? error.message : error.code };
}
