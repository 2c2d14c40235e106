import { expect } from "chai";
import type { ServiceError } from "@grpc/grpc-js";
import { ExceptionToStatusInterceptor } from "grpc-interceptor";

/** Call options with a deadline, so a hang fails the test instead of stalling the suite. */
export function soon(ms = 5000): { deadline: number } {
  return { deadline: Date.now() + ms };
}

/** Awaits a call that must fail and returns its ServiceError. */
export async function failure(call: Promise<unknown> | (() => Promise<unknown>)): Promise<ServiceError> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    expect(error, "the call failed with a ServiceError").to.have.property("code").that.is.a("number");
    return error as ServiceError;
  }
  expect.fail("the call succeeded but was expected to fail");
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Reads a stream until it fails; returns what arrived before the error, and the error. */
export async function collectUntilFailure<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: ServiceError }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error: error as ServiceError };
  }
  expect.fail(`the stream ended normally after ${items.length} messages but was expected to fail`);
}

/** An exception-to-status stage whose unknown-exception reports are recorded instead of printed. */
export function recordingExceptionToStatus(
  options: ConstructorParameters<typeof ExceptionToStatusInterceptor>[0] = {},
): ExceptionToStatusInterceptor & { reported: unknown[] } {
  const reported: unknown[] = [];
  const interceptor = new ExceptionToStatusInterceptor({
    ...options,
    onUnknownException: (error) => reported.push(error),
  }) as ExceptionToStatusInterceptor & { reported: unknown[] };
  interceptor.reported = reported;
  return interceptor;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `check` holds (polled every 10 ms); fails the test after `ms` milliseconds. */
export async function eventually(check: () => boolean, what: string, ms = 2000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > ms) expect.fail(`timed out waiting until ${what}`);
    await sleep(10);
  }
}
