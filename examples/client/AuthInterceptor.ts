import type { ClientCallDetails, ClientMethod } from "grpc-interceptor";
import { ClientInterceptor } from "grpc-interceptor";

/** Where {@link AuthInterceptor} gets its token: a fixed string or a (possibly async) function. */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * Adds `authorization: Bearer <token>` to every call. The token may come from an async source (e.g. a
 * token cache that refreshes itself); the interceptor awaits it before starting the call. The caller's
 * metadata object is never modified: the interceptor sends a copy.
 */
export class AuthInterceptor extends ClientInterceptor {
  constructor(
    private readonly token: TokenSource,
    private readonly header = "authorization",
    private readonly scheme = "Bearer",
  ) {
    super();
  }

  intercept(method: ClientMethod, request: unknown, details: ClientCallDetails): unknown {
    const token = typeof this.token === "string" ? this.token : this.token();
    if (typeof token === "string") return method(request, this.withToken(details, token));
    // Only an async token source makes the call wait (a streaming response then comes as a promise of it).
    return token.then((value) => method(request, this.withToken(details, value)));
  }

  private withToken(details: ClientCallDetails, token: string): ClientCallDetails {
    const metadata = details.metadata.clone();
    metadata.set(this.header, `${this.scheme} ${token}`);
    return { ...details, metadata };
  }
}
