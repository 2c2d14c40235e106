import { status, type ServiceError } from "@grpc/grpc-js";
import { ClientInterceptor, type ClientCallDetails, type ClientMethod } from "grpc-interceptor";

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** Counts the status codes (by name) of the calls it sees, as they finish; streams too. */
export class CountingInterceptor extends ClientInterceptor {
  readonly codes: Record<string, number> = {};
  calls = 0;

  private count(code: number): void {
    const name = status[code] ?? String(code);
    this.codes[name] = (this.codes[name] ?? 0) + 1;
  }

  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    this.calls++;
    const result = method(request, details);
    if (isAsyncIterable(result)) return this.stream(result);
    return (result as Promise<unknown>).then(
      (response) => {
        this.count(status.OK);
        return response;
      },
      (error: ServiceError) => {
        this.count(error.code);
        throw error;
      },
    );
  }

  private async *stream(responses: AsyncIterable<unknown>): AsyncGenerator<unknown> {
    try {
      yield* responses;
      this.count(status.OK);
    } catch (error) {
      this.count((error as ServiceError).code);
      throw error;
    }
  }
}

/** Adds one metadata entry to every call. */
export class MetadataInterceptor extends ClientInterceptor {
  constructor(
    private readonly key: string,
    private readonly value: string,
  ) {
    super();
  }

  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    const metadata = details.metadata.clone();
    metadata.add(this.key, this.value);
    return method(request, { ...details, metadata });
  }
}

/** A pass-through interceptor, written as a plain function. */
export const passThrough = (method: ClientMethod, request: unknown, details: ClientCallDetails): unknown =>
  method(request, details);

/** A special case that fails the first `failures` times it runs, then echoes `output`. */
export function failingFirst(failures: number, error: () => Error, output = "ok") {
  let runs = 0;
  const special = () => {
    runs++;
    if (runs <= failures) throw error();
    return output;
  };
  return Object.defineProperty(special, "runs", { get: () => runs }) as typeof special & { readonly runs: number };
}
