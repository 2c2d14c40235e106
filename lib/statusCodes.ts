import { status } from "@grpc/grpc-js";

/** True for the 16 gRPC status codes an error may end a call with (every code but `OK`). */
export function isErrorCode(code: unknown): code is status {
  return typeof code === "number" && Number.isInteger(code) && code >= 1 && code <= 16;
}

/** The enum name of a status code, e.g. `"NOT_FOUND"`; the number itself for unknown codes. */
export function statusName(code: number): string {
  return status[code] ?? String(code);
}

/** Describes a value for error messages: its type and, briefly, its content. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "no prototype"})`;
  return `${typeof value} ${String(value)}`;
}
