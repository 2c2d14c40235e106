// TypeDoc plugin for `npm run docs` (see typedoc.json). The testing entry re-exports ts-proto's code for
// protos/dummy.proto (lib/generated/), which has no doc comments of its own and must not be edited by hand.
// - Each generated declaration exported by an entry point takes its documentation from the JSDoc comment on
//   its name in that entry point's `export { ... } from "./generated/..."` list (TypeDoc itself ignores
//   comments there). ts-proto emits a message as an interface plus a same-named const, a service as a type
//   plus a const: the one comment documents both. A generated export without such a comment stays
//   undocumented, so `validation.notDocumented` still fails the run. Such a comment is plain Markdown: an
//   inline tag such as {@link} would not be resolved there, so one fails the run too.
// - The members of generated declarations (message fields, grpc-js method descriptors, client overloads) are
//   exempt from `validation.notDocumented`: the proto and grpc-js describe them.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { Comment, Converter, ReflectionKind } from "typedoc";

const GENERATED = "lib/generated/";

// name -> comment text of the JSDoc comments on the specifiers of `export { ... } from "./generated/..."`.
function specifierComments(file) {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const comments = new Map();
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
      continue;
    }
    if (!statement.moduleSpecifier?.getText(source).includes("/generated/")) continue;
    for (const specifier of statement.exportClause.elements) {
      const ranges = ts.getLeadingCommentRanges(text, specifier.pos) ?? [];
      const jsdoc = ranges.map((range) => text.slice(range.pos, range.end)).findLast((c) => c.startsWith("/**"));
      if (!jsdoc) continue;
      const body = jsdoc
        .slice(3, -2)
        .split("\n")
        .map((line) => line.replace(/^\s*\*? ?/, ""))
        .join("\n")
        .trim();
      comments.set(specifier.name.text, body);
    }
  }
  return comments;
}

// The kinds validation.notDocumented checks (TypeDoc checks the signatures of functions and methods).
function checkedKinds(app) {
  let kinds = 0;
  for (const name of app.options.getValue("requiredToBeDocumented")) kinds |= ReflectionKind[name];
  return kinds | ReflectionKind.SomeSignature;
}

// Mirrors TypeDoc's check: nothing inside a parameter, and a signature of a type literal is checked as the
// declaration that has that type.
function notChecked(reflection) {
  const parent = reflection.parent;
  if (reflection.kindOf(ReflectionKind.CallSignature | ReflectionKind.IndexSignature)) {
    if (parent?.kindOf(ReflectionKind.TypeLiteral)) return true; // e.g. a map field's `{ [key: string]: string }`
  }
  if (reflection.kindOf(ReflectionKind.ConstructorSignature) && parent?.parent?.kindOf(ReflectionKind.TypeAlias)) {
    return true;
  }
  for (let parent = reflection.parent; parent; parent = parent.parent) {
    if (parent.kindOf(ReflectionKind.Parameter)) return true;
  }
  return false;
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project;
    const comments = new Map(app.options.getValue("entryPoints").flatMap((file) => [...specifierComments(file)]));
    const kinds = checkedKinds(app);
    const exempt = new Set(app.options.getValue("intentionallyNotDocumented"));
    for (const reflection of Object.values(project.reflections)) {
      const id = project.getSymbolIdFromReflection(reflection);
      if (!id?.packagePath.startsWith(GENERATED)) continue;
      const parent = reflection.parent;
      if (parent?.kindOf(ReflectionKind.Module)) {
        const text = comments.get(reflection.name);
        if (text?.includes("{@")) {
          app.logger.error(
            `The comment on the export of ${reflection.name} has an inline tag, which is not supported there.`,
          );
        }
        if (text) reflection.comment = new Comment([{ kind: "text", text }]);
      } else if (!reflection.hasComment() && reflection.kindOf(kinds) && !notChecked(reflection)) {
        exempt.add(reflection.getFriendlyFullName());
      }
    }
    app.options.setValue("intentionallyNotDocumented", [...exempt]);
  });
}
