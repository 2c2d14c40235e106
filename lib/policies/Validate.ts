import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe } from "../statusCodes.js";
import { definePolicy, type Policy } from "./definePolicy.js";
import { fieldPath, validationStage, type MessageCheck } from "./validationStage.js";

/** Options of {@link Validate}. */
export interface ValidateOptions {
  /** Also check every response against this schema; an invalid one fails the call `INTERNAL`. */
  response?: StandardSchemaV1;
}

/**
 * Checks each request (and, with `options.response`, each response) against a Standard Schema v1:
 * zod, valibot, arktype, effect… An invalid request ends the call `INVALID_ARGUMENT` with details
 * naming the first violation (`"invalid request: title: Too small"`) and a `BadRequest` error detail
 * listing all of them; the handler does not run. Streamed requests are checked as the handler reads
 * them. Messages are never changed, even by a schema that would transform or strip them.
 *
 * @example
 * class Library {
 *   \@Validate(z.object({ title: z.string().min(1) }))
 *   async createBook(request: CreateBookRequest) { … }
 * }
 * @throws TypeError naming the option when a schema is not a Standard Schema.
 */
export function Validate(request: StandardSchemaV1, options: ValidateOptions = {}): Policy {
  const checkRequest = schemaCheck(request, "Validate(request)");
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Validate: options is ${describe(options)}, expected { response? }`);
  }
  const unknown = Object.keys(options).find((key) => key !== "response");
  if (unknown !== undefined)
    throw new TypeError(`Validate: options.${unknown} is not an option; Validate takes response`);
  const checkResponse =
    options.response === undefined ? undefined : schemaCheck(options.response, "Validate: options.response");
  return definePolicy("Validate", {
    kind: "validate",
    stage: (method) => validationStage(method, checkRequest, checkResponse),
  });
}

function schemaCheck(schema: StandardSchemaV1, where: string): MessageCheck {
  const validate = (schema as Partial<StandardSchemaV1> | null)?.["~standard"]?.validate;
  if (typeof validate !== "function") {
    throw new TypeError(
      `${where} is ${describe(schema)}, not a Standard Schema v1 (an object with ["~standard"].validate, as zod, valibot and arktype schemas have)`,
    );
  }
  const violations = (result: StandardSchemaV1.Result<unknown>) =>
    result.issues === undefined
      ? []
      : result.issues.map((issue) => ({
          field: fieldPath((issue.path ?? []).map((key) => (typeof key === "object" ? key.key : key))),
          description: issue.message,
        }));
  return (message) => {
    const result = validate(message);
    return result instanceof Promise ? result.then(violations) : violations(result);
  };
}
