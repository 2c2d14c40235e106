/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import type { Server } from "@grpc/grpc-js";
import { Unavailable } from "../exceptions.js";
import type { CallContext } from "../server/CallContext.js";
import { SERVES } from "../server/interceptorLike.js";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import { ServerInterceptor, type ServerMethod } from "../server/ServerInterceptor.js";
import { describe } from "../statusCodes.js";

/** Where the serving status goes: grpc-health-check's `HealthImplementation` fits. */
export interface HealthStatusSetter {
  /** Sets a service's serving status; `""` is the whole server. */
  setStatus(service: string, status: "SERVING" | "NOT_SERVING"): void;
}

/** Options of {@link GracefulShutdown}. */
export interface GracefulShutdownOptions {
  /** The health service to mark `NOT_SERVING` when the shutdown starts. */
  health?: HealthStatusSetter;
}

/** Options of {@link GracefulShutdown.shutdown}. */
export interface ShutdownOptions {
  /** From the start, how long calls may take before they are aborted and the shutdown forced; default 30 s. */
  graceMs?: number;
  /** How long to wait after marking the health `NOT_SERVING` before draining (load balancers notice); default 0. */
  delayMs?: number;
}

/** What a shutdown did with the calls that were running at its start, or started during it. */
export interface ShutdownReport {
  /** Calls that ended by their handler. */
  finished: number;
  /** Calls the shutdown ended with `UNAVAILABLE`. */
  aborted: number;
  /** From the start of the shutdown to the server's close. */
  durationMs: number;
}

const SHUTTING_DOWN = "server shutting down";

/**
 * A rolling restart that loses no call. List it first in `options.interceptors` of every service of a
 * server; on SIGTERM, `await shutdown(server)`: the health service says `NOT_SERVING`, the server stops
 * taking calls (GOAWAY: clients reconnect to other replicas), unary and client-streaming calls finish,
 * server-streaming and bidi calls end at once with `UNAVAILABLE` (`"server shutting down"`, their
 * `context.signal` aborted) so their clients resubscribe elsewhere, and after `graceMs` what is left is
 * aborted the same way and the shutdown forced.
 *
 * @example
 * const shutdown = new GracefulShutdown({ health });
 * server.addService(GreeterService, bootstrap(GreeterService, new Greeter(), { interceptors: [shutdown] }));
 * process.once("SIGTERM", () => void shutdown.shutdown(server, { graceMs: 10_000 }).then(() => process.exit(0)));
 */
export class GracefulShutdown extends ServerInterceptor {
  private readonly health: HealthStatusSetter | undefined;
  private readonly services = new Set<string>();
  private readonly running = new Set<CallContext>();
  private readonly aborted = new WeakSet<CallContext>();
  private draining: { finished: number; aborted: number } | undefined = undefined;

  /** @param options - the health service to mark `NOT_SERVING` when shutting down. */
  constructor(options: GracefulShutdownOptions = {}) {
    super();
    if (options.health !== undefined && typeof options.health?.setStatus !== "function") {
      throw new TypeError(
        `GracefulShutdown: options.health is ${describe(options.health)}, expected an object with setStatus(service, status)`,
      );
    }
    this.health = options.health;
  }

  /** Called by `bootstrap` for each service this interceptor is listed in. */
  [SERVES](service: string): void {
    this.services.add(service);
  }

  /** Tracks the call until it ends; during a shutdown, refuses new streams `UNAVAILABLE`. */
  intercept(method: ServerMethod, requestOrIterator: any, context: ServerCallContext): any {
    const call = context as CallContext;
    this.running.add(call);
    context.onComplete(() => {
      this.running.delete(call);
      if (this.draining) this.draining[this.aborted.has(call) ? "aborted" : "finished"]++;
    });
    if (this.draining && isStream(call)) {
      this.abort(call); // a stream that slipped in: refused, its handler never runs
      return (async function* () {})();
    }
    return method(requestOrIterator, context);
  }

  /**
   * Shuts `server` down gracefully (see the class); resolves when it is closed.
   * @throws TypeError naming the option for a bad `graceMs` or `delayMs`.
   */
  async shutdown(server: Server, options: ShutdownOptions = {}): Promise<ShutdownReport> {
    const { graceMs = 30_000, delayMs = 0 } = options;
    for (const [name, value] of [
      ["graceMs", graceMs],
      ["delayMs", delayMs],
    ] as const) {
      if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
        throw new TypeError(`GracefulShutdown.shutdown: options.${name} is ${describe(value)}, expected milliseconds`);
      }
    }
    const started = performance.now();
    const report = { finished: 0, aborted: 0 };
    this.draining = report;
    for (const service of ["", ...this.services]) this.health?.setStatus(service, "NOT_SERVING");
    const graceEnds = new Promise<"grace">((resolve) => setTimeout(() => resolve("grace"), graceMs).unref());
    if (delayMs > 0) await Promise.race([new Promise((resolve) => setTimeout(resolve, delayMs)), graceEnds]);
    const closed = new Promise<"closed">((resolve) => server.tryShutdown(() => resolve("closed")));
    for (const call of this.running) if (isStream(call)) this.abort(call);
    if ((await Promise.race([closed, graceEnds])) === "grace") {
      for (const call of this.running) this.abort(call);
      server.forceShutdown();
      await closed;
    }
    return { ...report, durationMs: performance.now() - started };
  }

  private abort(call: CallContext): void {
    if (call.terminated) return;
    this.aborted.add(call); // before terminate(): its onComplete listeners run inside it
    call.terminate(new Unavailable(SHUTTING_DOWN));
    if (!call.terminated) this.aborted.delete(call); // it had ended already
  }
}

/** Server-streaming and bidi calls end at once in a shutdown; the others may finish. */
function isStream(call: ServerCallContext): boolean {
  return call.kind === "serverStream" || call.kind === "bidi";
}
