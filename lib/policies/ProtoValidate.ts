import { createFileRegistry, fromBinary, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";
import { describe } from "../statusCodes.js";
import { checkOptions } from "./checkOptions.js";
import { definePolicy, type Policy, type PolicyMethod } from "./definePolicy.js";
import { validationStage, type MessageCheck } from "./validationStage.js";

/** Options of {@link ProtoValidate}. */
export interface ProtoValidateOptions {
  /** Also check every response; an invalid one fails the call `INTERNAL`. Default `false`. */
  responses?: boolean;
}

/**
 * Checks requests (and, with `responses`, responses) against the `buf.validate` rules written in the
 * .proto files, whatever generated the code (ts-proto, proto-loader, protobuf-es): each message is
 * serialized with the method's own serializer, decoded with its descriptor, and checked by
 * `@bufbuild/protovalidate`. An invalid request ends the call `INVALID_ARGUMENT` with a `BadRequest`
 * error detail, as with `Validate`. Messages are never changed.
 *
 * @param descriptors - a `FileDescriptorSet` with its imports (`buf build -o set.binpb`), or a
 *   protobuf-es `FileRegistry`. Each method's input and output types are found in it by the method's path.
 * @throws TypeError naming the option when `descriptors` is neither; at `bootstrap`, naming the method
 *   (and its request type, where the definition carries it) when the descriptors lack its types.
 */
export function ProtoValidate(descriptors: Uint8Array | FileRegistry, options: ProtoValidateOptions = {}): Policy {
  checkOptions("ProtoValidate", options, ["responses"]);
  if (options.responses !== undefined && typeof options.responses !== "boolean") {
    throw new TypeError(`ProtoValidate: options.responses is ${describe(options.responses)}, expected a boolean`);
  }
  const registry = toRegistry(descriptors);
  const validator = createValidator({ registry });
  const check =
    (schema: DescMessage, serialize: (message: unknown) => Uint8Array): MessageCheck =>
    (message) => {
      const result = validator.validate(schema, fromBinary(schema, serialize(message)));
      if (result.kind === "error") throw result.error;
      if (result.kind === "valid") return [];
      return result.violations.map((violation) => ({
        field: pathToString(violation.field),
        description: violation.message,
      }));
    };
  return definePolicy("ProtoValidate", {
    kind: "validate",
    stage: (method) => {
      const { input, output } = findMethod(registry, method);
      const { requestSerialize, responseSerialize } = method.definition;
      return validationStage(
        method,
        check(input, requestSerialize),
        options.responses ? check(output, responseSerialize) : undefined,
      );
    },
  });
}

function toRegistry(descriptors: Uint8Array | FileRegistry): FileRegistry {
  if (descriptors instanceof Uint8Array) {
    try {
      return createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptors));
    } catch (error) {
      throw new TypeError(
        `ProtoValidate: descriptors is not a usable FileDescriptorSet (${(error as Error).message}); ` +
          "build one with its imports: buf build -o set.binpb",
        { cause: error },
      );
    }
  }
  if (typeof (descriptors as Partial<FileRegistry> | null)?.getService !== "function") {
    throw new TypeError(
      `ProtoValidate: descriptors is ${describe(descriptors)}, expected a FileDescriptorSet (Uint8Array) or a FileRegistry`,
    );
  }
  return descriptors;
}

function findMethod(registry: FileRegistry, method: PolicyMethod) {
  const { path, requestType } = method.definition as { path: string; requestType?: { type?: { name?: string } } };
  const [, serviceName, methodName] = /^\/(.+)\/([^/]+)$/.exec(path) ?? [];
  const found = registry.getService(serviceName ?? "")?.methods.find((candidate) => candidate.name === methodName);
  if (!found) {
    const type = requestType?.type?.name ? ` (request type ${requestType.type.name})` : "";
    throw new TypeError(
      `ProtoValidate on ${method.where}: the descriptors have no method ${path}${type}; ` +
        "build them from the .proto files that define the service, with their imports",
    );
  }
  return found;
}
