/* eslint-disable @typescript-eslint/no-explicit-any -- responses are user messages of any type */
import { status as Status, type StatusObject } from "@grpc/grpc-js";
import { Attempt, type AttemptOwner } from "./Attempt.js";
import { createServiceError } from "./createServiceError.js";
import type { NextInterceptingCall } from "./grpcCallTypes.js";

/**
 * An attempt of a unary-response method (unary or client streaming), consumed as `promise`: it resolves
 * with the response, or rejects with the `ServiceError` the caller would have received.
 */
export class UnaryAttempt extends Attempt {
  /** The response, or the attempt's `ServiceError`. */
  readonly promise: Promise<any>;
  private resolve!: (response: any) => void;
  private reject!: (error: unknown) => void;
  private message: any = null;

  constructor(owner: AttemptOwner, call: NextInterceptingCall) {
    super(owner, call);
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  onReceiveMessage(message: any): void {
    this.message = message;
  }

  onReceiveStatus(status: StatusObject): void {
    if (this.settled) return;
    if (status.code !== Status.OK) this.settle(status, createServiceError(status));
    else if (this.message === null) {
      // As grpc-js's unary surface does for an OK status without a response.
      const missing = { code: Status.UNIMPLEMENTED, details: "No message received", metadata: status.metadata };
      this.settle(missing, createServiceError(missing));
    } else this.settle(status, undefined);
  }

  protected deliver(): void {
    if (this.error === undefined) this.resolve(this.message);
    else this.reject(this.error);
  }
}
