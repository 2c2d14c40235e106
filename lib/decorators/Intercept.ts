import { assertInterceptorLike } from "../server/interceptorLike.js";
import type { InterceptorLike } from "../server/ServerInterceptor.js";
import { decorationSite, targetMetadata } from "./decorationSite.js";

/** A decorator for a servicer class or one of its methods, under legacy and standard decorators alike. */
export type ClassOrMethodDecorator = ClassDecorator & MethodDecorator & ((value: unknown, context: object) => void);

/**
 * Runs interceptors around every RPC method of a servicer class, or around one method.
 * Outermost first: `bootstrap`'s interceptors, class-level, method-level, the handler; the decorator
 * written first (top) is outer, and so is the first argument of one decorator.
 *
 * @param interceptors - `ServerInterceptor` instances, subclasses with a no-argument constructor (built
 *   once per `bootstrap` call), or intercept functions.
 * @throws TypeError at decoration time, naming the class and method, for an argument that is not an interceptor.
 */
export function Intercept(...interceptors: InterceptorLike[]): ClassOrMethodDecorator {
  return ((...args: unknown[]) => {
    const site = decorationSite("@Intercept", args);
    interceptors.forEach((interceptor, index) =>
      assertInterceptorLike(interceptor, index, `@Intercept on ${site.where}`),
    );
    // Decorators apply bottom-up; prepending keeps the top one outermost.
    targetMetadata(site).interceptors.unshift(...interceptors);
  }) as ClassOrMethodDecorator;
}
