/* eslint-disable @typescript-eslint/no-explicit-any -- requests and responses are user messages of any type */
import { BadRequest } from "../errorDetails.js";
import { Internal, InvalidArgument } from "../exceptions.js";
import type { PolicyMethod } from "../server/policyPlan.js";
import type { ServerCallContext } from "../server/ServerCallContext.js";
import type { ServerInterceptor, ServerMethod } from "../server/ServerInterceptor.js";

/** One broken rule: the field's path as google.rpc's `BadRequest` writes it (`author.name`, `tags[0]`), and why. */
export interface Violation {
  readonly field: string;
  readonly description: string;
}

/** Checks one message; `[]` when it is valid. */
export type MessageCheck = (message: unknown) => readonly Violation[] | Promise<readonly Violation[]>;

/**
 * The stage of a validation policy (`Validate`, `ProtoValidate`) for one method: requests are checked
 * before the handler sees them (each streamed request as the handler reads it), and responses, when
 * `checkResponse` is given, before they are sent. Messages pass on unchanged.
 */
export function validationStage(
  method: PolicyMethod,
  checkRequest: MessageCheck,
  checkResponse: MessageCheck | undefined,
): Pick<ServerInterceptor, "intercept"> {
  const { requestStream, responseStream } = method.definition;
  const response = async (message: unknown, context: ServerCallContext): Promise<void> => {
    const violations = await checkResponse!(message);
    if (violations.length === 0) return;
    method.report(
      new Error(`invalid response of ${method.definition.path}: ${describeViolations(violations)}`),
      context,
    );
    throw new Internal("The server produced an invalid response.");
  };
  const forward = async (next: ServerMethod, requestOrIterator: any, context: ServerCallContext): Promise<any> => {
    if (requestStream) return next(checkedStream(requestOrIterator, checkRequest), context);
    await checkedRequest(requestOrIterator, checkRequest);
    return next(requestOrIterator, context);
  };

  if (responseStream) {
    return {
      async *intercept(next, requestOrIterator, context) {
        const responses = (await forward(next, requestOrIterator, context)) as AsyncIterable<unknown>;
        if (!checkResponse) {
          yield* responses;
          return;
        }
        for await (const message of responses) {
          await response(message, context);
          yield message;
        }
      },
    };
  }
  return {
    async intercept(next, requestOrIterator, context) {
      const result: unknown = await forward(next, requestOrIterator, context);
      if (checkResponse) await response(result, context);
      return result;
    },
  };
}

async function checkedRequest(message: unknown, check: MessageCheck): Promise<void> {
  const violations = await check(message);
  if (violations.length > 0) throw invalidRequest(violations);
}

async function* checkedStream(messages: AsyncIterable<unknown>, check: MessageCheck): AsyncGenerator<unknown> {
  for await (const message of messages) {
    await checkedRequest(message, check);
    yield message;
  }
}

function invalidRequest(violations: readonly Violation[]): InvalidArgument {
  return new InvalidArgument(`invalid request: ${describeViolations(violations.slice(0, 1))}`, {
    errorDetails: [
      BadRequest.fromPartial({
        fieldViolations: violations.map(({ field, description }) => ({ field, description })),
      }),
    ],
  });
}

function describeViolations(violations: readonly Violation[]): string {
  return violations.map(({ field, description }) => (field ? `${field}: ${description}` : description)).join("; ");
}

/** A path as google.rpc's `BadRequest` writes it: keys joined by dots, indexes in brackets (`tags[0].name`). */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? String(key) : `.${String(key)}`;
  }
  return text;
}
