import { Metadata } from "@grpc/grpc-js";
import { RetryInfo } from "../errorDetails.js";
import { ResourceExhausted, Unavailable } from "../exceptions.js";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import { describe } from "../statusCodes.js";
import { definePolicy, type Policy } from "./definePolicy.js";
import { checkOptions } from "./checkOptions.js";

/**
 * A rate limiter with rate-limiter-flexible's `consume` contract: it resolves when the points are granted,
 * rejects with an object carrying `msBeforeNext` when they are not, and with an `Error` when it fails.
 * `RateLimiterMemory`, `RateLimiterRedis`, `RateLimiterMemcache`, `RateLimiterPostgres`… all fit.
 */
export interface RateLimiterLike {
  /** Takes `points` from `key`'s budget. */
  consume(key: string, points?: number): Promise<unknown>;
}

/** Options of {@link RateLimit}. */
export interface RateLimitOptions {
  /** The limiter holding the budget; a shared store (Redis…) makes it one budget for a fleet of replicas. */
  limiter: RateLimiterLike;
  /** Whose budget a call takes from; default: the client's IP address (the peer without its port). */
  key?: (context: ServerCallContext) => string;
  /** Points a call takes; a positive integer, default 1. */
  cost?: number;
  /** When the limiter itself fails (its store is down): run the call (`"allow"`, default) or refuse it `UNAVAILABLE`. */
  onLimiterError?: "allow" | "reject";
}

/**
 * Limits the rate of calls per key with a rate-limiter-flexible limiter (or anything with its `consume`).
 * A call over the limit ends `RESOURCE_EXHAUSTED` (`"rate limit exceeded"`) before any response header,
 * with a `RetryInfo` error detail and a `grpc-retry-pushback-ms` trailer telling when to retry (gRFC A6:
 * grpc-js, grpc-go and grpc-java clients with a retry policy wait that long). Failures of the limiter go
 * to `onUnknownException`, and the call runs (`onLimiterError: "allow"`) or ends `UNAVAILABLE`.
 *
 * @example \@RateLimit({ limiter: new RateLimiterRedis({ storeClient: redis, points: 100, duration: 1 }) })
 * @throws TypeError naming the option that is wrong.
 */
export function RateLimit(options: RateLimitOptions): Policy {
  checkOptions("RateLimit", options, ["limiter", "key", "cost", "onLimiterError"]);
  const { limiter, key = peerAddress, cost = 1, onLimiterError = "allow" } = options;
  if (typeof limiter?.consume !== "function") {
    throw new TypeError(
      `RateLimit: options.limiter is ${describe(limiter)}, expected an object with consume(key, points)`,
    );
  }
  if (typeof key !== "function") throw new TypeError(`RateLimit: options.key is ${describe(key)}, expected a function`);
  if (!Number.isSafeInteger(cost) || cost <= 0) {
    throw new TypeError(`RateLimit: options.cost is ${describe(cost)}, expected a positive integer`);
  }
  if (onLimiterError !== "allow" && onLimiterError !== "reject") {
    throw new TypeError(
      `RateLimit: options.onLimiterError is ${describe(onLimiterError)}, expected "allow" or "reject"`,
    );
  }
  return definePolicy("RateLimit", {
    kind: "rateLimit",
    stage: (method) => ({
      async intercept(next, requestOrIterator, context) {
        try {
          await limiter.consume(key(context), cost);
        } catch (error) {
          if (isRefusal(error)) throw overLimit(error.msBeforeNext);
          method.report(error, context);
          if (onLimiterError === "reject") throw new Unavailable("rate limiter unavailable", { cause: error });
        }
        return next(requestOrIterator, context);
      },
    }),
  });
}

function isRefusal(error: unknown): error is { msBeforeNext: number } {
  return (
    typeof error === "object" &&
    error !== null &&
    !(error instanceof Error) &&
    typeof (error as { msBeforeNext?: unknown }).msBeforeNext === "number"
  );
}

function overLimit(msBeforeNext: number): ResourceExhausted {
  const delayMs = Math.max(1, Math.ceil(msBeforeNext));
  const metadata = new Metadata();
  metadata.set("grpc-retry-pushback-ms", String(delayMs));
  return new ResourceExhausted("rate limit exceeded", {
    metadata,
    errorDetails: [
      RetryInfo.fromPartial({ retryDelay: { seconds: Math.floor(delayMs / 1000), nanos: (delayMs % 1000) * 1e6 } }),
    ],
  });
}

/**
 * The client's IP address from a grpc-js peer: `"ipv4:10.0.0.7:5123"`, `"10.0.0.7:5123"` → `"10.0.0.7"`;
 * `"ipv6:[::1]:5123"`, `"[::1]:5123"` → `"::1"`. Anything else (a Unix socket) is used whole.
 */
export function peerAddress(context: ServerCallContext): string {
  const peer = context.peer.replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (bracketed) return bracketed[1]!;
  const ipv4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(peer);
  return ipv4 ? ipv4[1]! : peer;
}
