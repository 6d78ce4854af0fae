// API errors with the status code and reason the API server gave, and how the controller should treat them.

/** The message of anything thrown, for logs and status messages. */
export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** An error answer from the API server (statusCode > 0) or a transport failure (statusCode 0). */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly reason: string;
  /** The Status's details.causes: e.g. an eviction's 429 names the PodDisruptionBudget in one. */
  readonly causes: ReadonlyArray<{ reason?: string; message?: string }>;

  constructor(
    message: string,
    statusCode: number,
    reason: string,
    options?: ErrorOptions & { causes?: ReadonlyArray<{ reason?: string; message?: string }> },
  ) {
    super(message, options);
    this.name = "ApiError";
    this.statusCode = statusCode;
    this.reason = reason;
    this.causes = options?.causes ?? [];
  }
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiError ? err.statusCode : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;

/** The request's answer, or undefined when the object is not there (404); any other error is thrown. */
export function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  return request.catch((err) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
}
export const isConflict = (err: unknown): boolean => statusOf(err) === 409 && !isAlreadyExists(err);
export const isGone = (err: unknown): boolean => statusOf(err) === 410;
export const isForbidden = (err: unknown): boolean => statusOf(err) === 403;
/** 429: the API server (priority and fairness, or max-in-flight) sheds load and asks to be asked again. */
export const isThrottled = (err: unknown): boolean => statusOf(err) === 429;

/** 400 for a field selector on a field the resource does not offer (a CRD's selectableFields need Kubernetes 1.31+). */
export function isFieldSelectorUnsupported(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 400 && /field label/i.test(err.message);
}

/** The name is taken (409 with reason AlreadyExists): with deterministic names, someone made this object already. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 409 && err.reason === "AlreadyExists";
}

/**
 * Transient errors are worth retrying with backoff: no answer at all, throttling, timeouts and
 * server-side failures. Everything else (400, 403, 404, 422, …) will not change by retrying.
 */
export function isTransient(err: unknown): boolean {
  const code = statusOf(err);
  if (code === undefined) return false;
  return code === 0 || code === 408 || code === 429 || code >= 500;
}

/** A 403 from the authorizer (RBAC: `... cannot create resource ...`), not from admission or a quota. */
export function isUnauthorizedByRbac(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 403 && /\bcannot \w+ resource\b/.test(err.message);
}
