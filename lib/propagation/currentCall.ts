import type { ServerCallContext } from "../server/ServerCallContext.js";
import { activeFrame } from "./ScopeFrame.js";

/**
 * The context of the server call in progress in the current async flow: the call whose handler (or an
 * interceptor inside {@link CallScope}) is running, through every `await`, timer and stream callback
 * that descends from it. `undefined` outside a server call, and always without `CallScope` in the
 * method's chain.
 *
 * - Nested scopes (a call served while another is in progress in the same async flow, e.g. an
 *   in-process call): the innermost call still in progress.
 * - Once a call has ended (its handler returned, threw or finished its response stream), its context is
 *   dropped: work it left behind (a timer, a connection it opened) sees the enclosing call if one is
 *   still in progress, else `undefined`, and retains nothing of the ended call.
 *
 * @example
 * const requestId = currentCall()?.metadata.get("x-request-id")[0];
 */
export function currentCall(): ServerCallContext | undefined {
  return activeFrame()?.context;
}
