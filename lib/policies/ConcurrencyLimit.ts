import { Unavailable } from "../exceptions.js";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import { describe } from "../statusCodes.js";
import { checkOptions } from "./checkOptions.js";
import { definePolicy, type Policy } from "./definePolicy.js";

/** Options of {@link ConcurrencyLimit}. */
export interface ConcurrencyLimitOptions {
  /** How many calls may run their handler at once, across the methods this policy value applies to. */
  max: number;
  /** How many more may wait, first in first out; default 0. */
  queue?: number;
}

/**
 * Admission control for this process: at most `max` calls run their handler at once (a call runs until
 * its response, or its response stream, is done), up to `queue` more wait in order, and a call that
 * finds the queue full ends at once `UNAVAILABLE` (`"server overloaded"`), so a client or load balancer
 * can retry it elsewhere. A waiting call whose client cancels or whose deadline passes leaves the queue
 * and never runs.
 *
 * @example \@ConcurrencyLimit({ max: 32, queue: 64 })
 * @throws TypeError naming the option that is wrong.
 */
export function ConcurrencyLimit(options: ConcurrencyLimitOptions): Policy {
  checkOptions("ConcurrencyLimit", options, ["max", "queue"]);
  const { max, queue = 0 } = options;
  if (!Number.isSafeInteger(max) || max <= 0) {
    throw new TypeError(`ConcurrencyLimit: options.max is ${describe(max)}, expected a positive integer`);
  }
  if (!Number.isSafeInteger(queue) || queue < 0) {
    throw new TypeError(`ConcurrencyLimit: options.queue is ${describe(queue)}, expected a non-negative integer`);
  }
  const slots = new Slots(max, queue);
  return definePolicy("ConcurrencyLimit", {
    kind: "concurrencyLimit",
    stage: ({ definition }) =>
      definition.responseStream
        ? {
            async *intercept(next, requestOrIterator, context) {
              await slots.acquire(context);
              try {
                yield* next(requestOrIterator, context) as AsyncIterable<unknown>;
              } finally {
                slots.release();
              }
            },
          }
        : {
            async intercept(next, requestOrIterator, context) {
              await slots.acquire(context);
              try {
                return (await next(requestOrIterator, context)) as unknown;
              } finally {
                slots.release();
              }
            },
          },
  });
}

interface Waiter {
  readonly admit: () => void;
}

/** `max` slots and a FIFO queue of at most `queue` waiting calls. */
class Slots {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly max: number,
    private readonly queue: number,
  ) {}

  /** Resolves once the call has a slot; throws `UNAVAILABLE` when the queue is full, or the call's end reason. */
  acquire(context: ServerCallContext): Promise<void> | void {
    if (this.running < this.max) {
      this.running++;
      return;
    }
    if (this.waiting.length >= this.queue) throw new Unavailable("server overloaded");
    const { signal } = context;
    if (signal.aborted) throw signal.reason;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          signal.removeEventListener("abort", leave);
          resolve();
        },
      };
      const leave = (): void => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", leave, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Hands the slot to the first waiting call, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.admit();
    else this.running--;
  }
}
