import { ServerInterceptor, type InterceptorLike, type ServerCallContext, type ServerMethod } from "grpc-interceptor";
import type { DummyRequest, DummyResponse } from "grpc-interceptor/testing";
import type { CaseRun } from "./CaseRun.js";
import { raise } from "./errors.js";
import { pathOf, responseStreams, type InterceptorSpec, type Kind, type StreamOp, type UnaryOp } from "./model.js";

type Request = DummyRequest | AsyncIterable<DummyRequest>;

/** The real interceptor a spec describes, in the form the spec names. */
export function scriptedInterceptor(spec: InterceptorSpec, index: number, kind: Kind, run: CaseRun): InterceptorLike {
  const label = `interceptor ${index + 1} (${spec.op.type})`;
  const intercept = (method: ServerMethod, request: Request, context: ServerCallContext, path: string) => {
    if (path !== pathOf[kind]) run.problems.push(`${label} got methodName ${path}`);
    return responseStreams(kind)
      ? streamIntercept(spec, spec.op as StreamOp, method, request, context, run, label)
      : unaryIntercept(spec, spec.op as UnaryOp, method, request, context, run, label);
  };
  switch (spec.form) {
    case "function":
      return intercept;
    case "instance":
      return new (class Scripted extends ServerInterceptor {
        intercept(method: ServerMethod, request: Request, context: ServerCallContext, path: string): unknown {
          return intercept(method, request, context, path);
        }
      })();
    case "class":
      return class ScriptedClass extends ServerInterceptor {
        intercept(method: ServerMethod, request: Request, context: ServerCallContext, path: string): unknown {
          return intercept(method, request, context, path);
        }
      };
  }
}

async function enter(spec: InterceptorSpec, context: ServerCallContext, run: CaseRun, label: string): Promise<void> {
  await run.delay(spec.delay);
  if (spec.setCode) {
    context.setCode(spec.setCode.code);
    context.setDetails(spec.setCode.details);
  }
  if (spec.pause) await run.pause(label);
}

function mapRequests(requests: AsyncIterable<DummyRequest>, tag: string): AsyncIterable<DummyRequest> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = requests[Symbol.asyncIterator]();
      return {
        async next() {
          const next = await iterator.next();
          return next.done ? next : { done: false, value: { ...next.value, input: next.value.input + tag } };
        },
      };
    },
  };
}

function mapRequest(request: Request, tag: string): Request {
  return Symbol.asyncIterator in request ? mapRequests(request, tag) : { ...request, input: request.input + tag };
}

// Reads one request itself, and passes on the rest of the same stream.
async function dropFirst(request: Request, run: CaseRun, label: string): Promise<AsyncIterable<DummyRequest>> {
  if (!(Symbol.asyncIterator in request)) throw new Error(`${label}: dropFirst on a unary request`);
  const iterator = request[Symbol.asyncIterator]();
  await run.read(iterator, `${label} reading a request`);
  return { [Symbol.asyncIterator]: () => iterator };
}

async function unaryIntercept(
  spec: InterceptorSpec,
  op: UnaryOp,
  method: ServerMethod,
  request: Request,
  context: ServerCallContext,
  run: CaseRun,
  label: string,
): Promise<DummyResponse> {
  await enter(spec, context, run, label);
  const next = (r: Request) =>
    run.track(new Promise<DummyResponse>((resolve) => resolve(method(r, context))), `${label} awaiting method`);
  switch (op.type) {
    case "pass":
      return await next(request);
    case "mapRequest":
      return await next(mapRequest(request, op.tag));
    case "dropFirst":
      return await next(await dropFirst(request, run, label));
    case "mapResponse": {
      const response = await next(request);
      return { ...response, output: response.output + op.tag };
    }
    case "shortCircuit":
      return { output: op.output };
    case "throwBefore":
      raise(op.error, context);
    // eslint-disable-next-line no-fallthrough -- raise never returns
    case "throwAfter":
      await next(request);
      raise(op.error, context);
    // eslint-disable-next-line no-fallthrough -- raise never returns
    case "recover":
      try {
        return await next(request);
      } catch {
        return { output: op.output };
      }
    case "pauseAfter": {
      const response = await next(request);
      await run.pause(label);
      return response;
    }
  }
}

function streamIntercept(
  spec: InterceptorSpec,
  op: StreamOp,
  method: ServerMethod,
  request: Request,
  context: ServerCallContext,
  run: CaseRun,
  label: string,
): AsyncIterable<DummyResponse> | Iterable<DummyResponse> {
  // With nothing to do first, some ops take the plain forms the contract allows: a synchronous throw,
  // an array (an Iterable), the inner stream handed over as it is.
  if (spec.delay === "none" && !spec.setCode && !spec.pause) {
    if (op.type === "throwBefore") raise(op.error, context);
    if (op.type === "shortCircuit") return op.outputs.map((output) => ({ output }));
    if (op.type === "pass") return method(request, context) as AsyncIterable<DummyResponse>;
  }
  return scriptedStream(spec, op, method, request, context, run, label);
}

// Forwards an inner response stream, each pull counted as pending; returns it when stopped early.
async function* each(responses: unknown, run: CaseRun, label: string): AsyncGenerator<DummyResponse, void, undefined> {
  if (typeof responses !== "object" || responses === null || !(Symbol.asyncIterator in responses)) {
    throw new Error(`${label}: method(...) returned ${String(responses)}, not an AsyncIterable`);
  }
  const iterator = (responses as AsyncIterable<DummyResponse>)[Symbol.asyncIterator]();
  let open = true;
  try {
    for (;;) {
      let next: IteratorResult<DummyResponse>;
      try {
        next = await run.track(iterator.next(), `${label} awaiting the next response`);
      } catch (error) {
        open = false;
        throw error;
      }
      if (next.done) {
        open = false;
        return;
      }
      yield next.value;
    }
  } finally {
    if (open) await run.track(Promise.resolve(iterator.return?.()), `${label} returning the inner stream`);
  }
}

async function* scriptedStream(
  spec: InterceptorSpec,
  op: StreamOp,
  method: ServerMethod,
  request: Request,
  context: ServerCallContext,
  run: CaseRun,
  label: string,
): AsyncGenerator<DummyResponse, void, undefined> {
  await enter(spec, context, run, label);
  const next = (r: Request) => each(method(r, context), run, label);
  switch (op.type) {
    case "pass":
      yield* next(request);
      return;
    case "mapRequest":
      yield* next(mapRequest(request, op.tag));
      return;
    case "dropFirst":
      yield* next(await dropFirst(request, run, label));
      return;
    case "mapEach":
      for await (const response of next(request)) {
        await run.delay(spec.delay);
        yield { ...response, output: response.output + op.tag };
      }
      return;
    case "prepend":
      yield { output: op.output };
      yield* next(request);
      return;
    case "append":
      yield* next(request);
      yield { output: op.output };
      return;
    case "shortCircuit":
      for (const output of op.outputs) yield { output };
      return;
    case "throwBefore":
      raise(op.error, context);
    // eslint-disable-next-line no-fallthrough -- raise never returns
    case "throwAt": {
      let count = 0;
      for await (const response of next(request)) {
        if (count === op.after) raise(op.error, context);
        yield response;
        count++;
      }
      raise(op.error, context);
    }
    // eslint-disable-next-line no-fallthrough -- raise never returns
    case "recover":
      try {
        yield* next(request);
      } catch {
        yield { output: op.output };
      }
      return;
    case "take": {
      if (op.count === 0) return;
      let count = 0;
      for await (const response of next(request)) {
        yield response;
        if (++count === op.count) return;
      }
      return;
    }
    case "pauseAt": {
      let count = 0;
      let paused = false;
      for await (const response of next(request)) {
        if (count === op.after) {
          paused = true;
          await run.pause(label);
        }
        yield response;
        count++;
      }
      if (!paused) await run.pause(label);
      return;
    }
  }
}
