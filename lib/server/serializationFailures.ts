import type { MethodDefinition } from "@grpc/grpc-js";

// grpc-js serializes a response inside the `callback` / `write` that sends it, and answers a failure with
// INTERNAL "Error serializing response" without telling the handler. The serializer of each method
// `bootstrap` saw is wrapped to note the failure here, where the sender looks right after sending.
let lastFailure: { readonly value: unknown; readonly error: unknown } | undefined;

const WATCHED = Symbol.for("grpc-interceptor:watchedSerializer");

type Serializer = ((value: unknown) => Buffer) & { [WATCHED]?: true };

/**
 * Wraps `method.responseSerialize` (once; a definition bootstrapped again keeps its wrapper) so that a
 * response grpc-js cannot serialize is noted for {@link takeSerializationFailure}. The wrapper rethrows:
 * grpc-js still answers the call as it would. A definition whose methods cannot be changed (frozen) is
 * left as it is, and such failures then go unnoticed.
 */
export function watchSerialization(method: MethodDefinition<unknown, unknown>): void {
  const serialize = method.responseSerialize as Serializer;
  if (typeof serialize !== "function" || serialize[WATCHED]) return;
  const watched: Serializer = (value) => {
    try {
      return serialize(value);
    } catch (error) {
      lastFailure = { value, error };
      throw error;
    }
  };
  watched[WATCHED] = true;
  try {
    (method as { responseSerialize: Serializer }).responseSerialize = watched;
  } catch {
    // Frozen: nothing to watch with.
  }
}

/** Returned by {@link takeSerializationFailure} when `value` was serialized (or not yet). */
export const SERIALIZED = Symbol("serialized");

/**
 * What serializing `value` just failed with, or {@link SERIALIZED}. Call it right after the `callback` or
 * `write` that sent `value`: grpc-js serializes there unless a native server interceptor delays the send.
 */
export function takeSerializationFailure(value: unknown): unknown {
  const failure = lastFailure;
  if (failure === undefined || failure.value !== value) return SERIALIZED;
  lastFailure = undefined;
  return failure.error;
}
