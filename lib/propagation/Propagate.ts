/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { Deadline, Metadata } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "../client/ClientCallDetails.js";
import { ClientInterceptor } from "../client/ClientInterceptor.js";
import { GrpcException } from "../exceptions/GrpcException.js";
import { Cancelled } from "../exceptions/GrpcException.js";
import { describe } from "../statusCodes.js";
import { isAsyncIterable, isPromiseLike } from "../typeGuards.js";
import { activeFrame, type ScopeFrame } from "./ScopeFrame.js";

/** Options of {@link Propagate}. */
export interface PropagateOptions {
  /**
   * End each call no later than the server call's deadline: the outgoing deadline is the earlier of the
   * caller's own and the server call's, and travels as `grpc-timeout`. Default `true`.
   */
  deadline?: boolean;
  /**
   * Cancel each call still running when the server call is cancelled or passes its deadline; the caller
   * then sees `CANCELLED` or `DEADLINE_EXCEEDED`. A call started after that fails at once. Default `true`.
   */
  cancellation?: boolean;
  /**
   * Request metadata keys of the server call (e.g. `"x-request-id"`) copied onto each call, unless the
   * caller set that key itself. Default none.
   */
  metadata?: readonly string[];
}

const KEY = /^[0-9a-z_.-]+$/;

/**
 * The client interceptor that makes the calls a handler starts inherit its server call's deadline,
 * cancellation and chosen metadata, found through {@link currentCall} (so the server needs
 * {@link CallScope}). Outside a server call it changes nothing, so one client can serve both.
 *
 * Install it first (outermost) in the client's `interceptors`, so a retry interceptor inside it is
 * bounded by the propagated deadline and cancelled with the rest. A streaming call is cancelled towards
 * the server at once; its caller sees the `CANCELLED` (or `DEADLINE_EXCEEDED`) error at its pending or
 * next read.
 *
 * @example
 * const back = new BackClient(address, credentials.createInsecure(), {
 *   interceptors: [new Propagate({ metadata: ["x-request-id"] })],
 * });
 */
export class Propagate extends ClientInterceptor {
  readonly #deadline: boolean;
  readonly #cancellation: boolean;
  readonly #metadata: readonly string[];

  /** @throws TypeError for a metadata key that is not a valid, lowercase, non-reserved gRPC key. */
  constructor(options: PropagateOptions = {}) {
    super();
    const keys = options.metadata ?? [];
    if (!Array.isArray(keys)) {
      throw new TypeError(`Propagate: options.metadata is ${describe(keys)}, expected an array of metadata keys`);
    }
    for (const key of keys) {
      if (typeof key !== "string" || !KEY.test(key) || key.startsWith("grpc-")) {
        throw new TypeError(
          `Propagate: options.metadata has ${describe(key)}, expected a lowercase metadata key ` +
            "(0-9 a-z _ . -) that does not start with grpc-",
        );
      }
    }
    this.#deadline = options.deadline ?? true;
    this.#cancellation = options.cancellation ?? true;
    this.#metadata = [...keys];
  }

  /** Starts the call with the server call's deadline and metadata, and ties it to its cancellation. */
  intercept(method: ClientMethod, requestOrIterator: any, callDetails: ClientCallDetails): any {
    const frame = activeFrame();
    const context = frame?.context;
    if (frame === undefined || context === undefined) return method(requestOrIterator, callDetails);
    let details = callDetails;
    if (this.#deadline) {
      const deadline = context.deadline;
      if (deadline !== undefined && deadline.getTime() < millis(callDetails.deadline))
        details = { ...details, deadline };
    }
    const metadata = this.#copyMetadata(context.metadata, callDetails.metadata);
    if (metadata !== callDetails.metadata) details = { ...details, metadata };
    if (!this.#cancellation) return method(requestOrIterator, details);
    return cancelledWith(frame, () => method(requestOrIterator, details));
  }

  #copyMetadata(from: Metadata, to: Metadata): Metadata {
    let copy: Metadata | undefined;
    for (const key of this.#metadata) {
      const values = from.get(key);
      if (values.length === 0 || to.get(key).length > 0) continue;
      copy ??= to.clone();
      for (const value of values) copy.add(key, value);
    }
    return copy ?? to;
  }
}

function millis(deadline: Deadline | undefined): number {
  if (deadline === undefined) return Infinity;
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/** The error a call sees when its server call ended early: `Cancelled` or `DeadlineExceeded`. */
function cancellationError(reason: unknown): GrpcException {
  return reason instanceof GrpcException ? reason : new Cancelled("The server call was cancelled", { cause: reason });
}

/**
 * Starts the call and fails it with the server call's cancellation, if that comes first: a unary
 * response rejects at once; a response stream cancels its attempt at once and throws at its pending or
 * next read. Failing makes the intercepted call cancel whatever is still running under it.
 */
function cancelledWith(frame: ScopeFrame, start: () => any): any {
  let cancel: ((error: GrpcException) => void) | undefined;
  let cancelledBy: GrpcException | undefined;
  const unregister = frame.onCancel((reason) => {
    cancelledBy = cancellationError(reason);
    cancel?.(cancelledBy);
  });
  if (cancelledBy !== undefined) throw cancelledBy; // already cancelled: start nothing
  let result: unknown;
  try {
    result = start();
  } catch (error) {
    unregister();
    throw error;
  }
  if (isPromiseLike(result)) {
    return new Promise((resolve, reject) => {
      cancel = reject;
      result.then(
        (response) => {
          unregister();
          resolve(response);
        },
        (error: unknown) => {
          unregister();
          reject(error);
        },
      );
    });
  }
  if (!isAsyncIterable(result)) {
    unregister();
    return result;
  }
  const iterator = result[Symbol.asyncIterator]();
  let pending: ((error: GrpcException) => void) | undefined;
  cancel = (error) => {
    const reject = pending;
    pending = undefined;
    // Cancels the attempt now, whether or not a read is pending; the caller is told `error` instead.
    Promise.resolve(iterator.return?.()).catch(() => {});
    reject?.(error);
  };
  const settled = <T>(value: T): T => {
    pending = undefined;
    return value;
  };
  const stream: AsyncIterableIterator<unknown> = {
    next: () => {
      if (cancelledBy !== undefined) return Promise.reject(cancelledBy);
      return new Promise<IteratorResult<unknown>>((resolve, reject) => {
        pending = reject;
        iterator.next().then(
          (item) => {
            if (item.done) unregister();
            resolve(settled(item));
          },
          (error: unknown) => {
            unregister();
            reject(settled(error));
          },
        );
      });
    },
    return: (value?: unknown) => {
      unregister();
      return Promise.resolve(iterator.return?.(value) ?? { done: true, value });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}
