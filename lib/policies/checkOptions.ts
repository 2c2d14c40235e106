import { describe } from "../statusCodes.js";

/**
 * Checks that a policy's `options` is an object holding only the `known` keys.
 * @throws TypeError naming the policy and the unknown option.
 */
export function checkOptions(policy: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${policy}: options is ${describe(options)}, expected { ${known.join(", ")} }`);
  }
  const unknown = Object.keys(options).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new TypeError(`${policy}: options.${unknown} is not an option; ${policy} takes ${known.join(", ")}`);
  }
}
