/**
 * Runs `build` with stack capture off. The exceptions the library builds from another error (a mapped
 * or unknown error) keep that error as `cause`, with its own stack; a second stack would never be sent
 * and costs more than the rest of a failing call's server work.
 */
export function withoutStackTrace<T>(build: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
