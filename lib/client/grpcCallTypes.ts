import type { NextCall } from "@grpc/grpc-js";

/** grpc-js's `InterceptingCallInterface` (not exported from the package root): what `nextCall` returns. */
export type NextInterceptingCall = ReturnType<NextCall>;

/** grpc-js's `MessageContext`: a write's flags and completion callback. */
export type MessageContext = Parameters<NextInterceptingCall["sendMessageWithContext"]>[0];

/** grpc-js's `WriteCallback`: runs when a written message has been handed on. */
export type WriteCallback = NonNullable<MessageContext["callback"]>;
