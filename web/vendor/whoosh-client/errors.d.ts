export declare class ApiError extends Error {
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number;
    /** The API's stable snake_case code; `network` when the server could not be reached. */
    readonly code: string;
    /** Seconds from `Retry-After` (429, 503, 421), else null. */
    readonly retryAfter: number | null;
    /** The response's `x-request-id`: quote it when reporting a problem. */
    readonly requestId: string | null;
    readonly name = "ApiError";
    constructor(
    /** HTTP status; 0 when the server could not be reached. */
    status: number, 
    /** The API's stable snake_case code; `network` when the server could not be reached. */
    code: string, message: string, 
    /** Seconds from `Retry-After` (429, 503, 421), else null. */
    retryAfter?: number | null, 
    /** The response's `x-request-id`: quote it when reporting a problem. */
    requestId?: string | null);
}
/** The body of an API error, or null when `body` is not one. */
export declare function errorOf(body: unknown): {
    code: string;
    message: string;
} | null;
