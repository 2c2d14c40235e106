/**
 * A function that throws `error` whatever it is called with: a ready-made special case for
 * `DummyService`, e.g. `{ error: raises(new NotFound()) }`.
 */
export function raises(error: unknown): (...args: unknown[]) => never {
  return () => {
    throw error;
  };
}
