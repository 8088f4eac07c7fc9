/**
 * Naming the input field of a bad input value, for BAD_USER_INPUT's `extensions.field`.
 *
 * graphql-js reports bad values in two places, and neither carries the field name as data:
 * - validation (rule ValuesOfCorrectType) for literals in the document: the error's node is the bad
 *   value (or the input object missing a field, or the unknown field itself), so we locate that node in
 *   the document and take the nearest enclosing input field or argument;
 * - variable coercion, whose message embeds the path inside the variable (`at "input.qtyLimit"`).
 * The message patterns below are graphql-js 16's (pinned in package.json); unit tests run them against
 * real Apollo responses, so an upgrade that changes them fails loudly.
 */
import {
  BREAK,
  GraphQLError,
  Kind,
  parse,
  visit,
  type ASTNode,
  type DocumentNode,
  type Source,
} from "graphql";

export const NAME = "[_A-Za-z][_0-9A-Za-z]*";
/** `Field "SetMmpConfigInput.qtyLimit" of required type "Decimal!" was not provided.` (literal) or
 * `Field "qtyLimit" of required type …` (variable); `Field "foo" is not defined by type "X".` (both) */
const FIELD_MESSAGE = new RegExp(
  `^Field "(?:${NAME}\\.)?(${NAME})" (?:of required type|is not defined by type) `,
);
/** `Field "setMmpConfig" argument "input" of type "SetMmpConfigInput!" is required, but it was not provided.` */
const MISSING_ARGUMENT = new RegExp(
  `^Field "${NAME}" argument "(${NAME})" of type "[^"]+" is required, but it was not provided\\.$`,
);
/** `There can be only one input field named "qtyLimit".` */
const DUPLICATE_FIELD = new RegExp(`^There can be only one input field named "(${NAME})"\\.$`);
/** the end of a variable error's prefix: ` at "input.qtyLimit"` or ` at "input.items[0].qty"` */
export const VARIABLE_PATH = new RegExp(` at "(${NAME}(?:\\.${NAME}|\\[\\d+\\])+)"$`);
const VARIABLE_NAME = new RegExp(`^Variable "\\$(${NAME})" `);

const VALUE_KINDS: ReadonlySet<string> = new Set([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
]);

/** For a validation error: whether it is about an input value, and which field. */
export function literalInputError(error: GraphQLError): { field: string | undefined } | undefined {
  const fromMessage = FIELD_MESSAGE.exec(error.message) ?? MISSING_ARGUMENT.exec(error.message);
  if (fromMessage) return { field: fromMessage[1] };
  const duplicate = DUPLICATE_FIELD.exec(error.message);
  if (duplicate) return { field: duplicate[1] };

  const node = error.nodes?.[0];
  if (!node) return undefined;
  if (node.kind === Kind.OBJECT_FIELD) return { field: node.name.value };
  if (!VALUE_KINDS.has(node.kind)) return undefined;
  const start = node.loc?.start;
  const document = start === undefined ? undefined : documentOf(error.source);
  const field =
    document && enclosingInputName(document, (n) => n.kind === node.kind && n.loc?.start === start);
  return { field: field || undefined };
}

/** For a variable coercion error (Apollo's BAD_USER_INPUT): the input field it names, if any. */
export function variableInputField(error: GraphQLError): string | undefined {
  const inner = error.originalError;
  const innerMessage = inner instanceof Error ? inner.message : undefined;
  if (innerMessage !== undefined) {
    const fieldInMessage = FIELD_MESSAGE.exec(innerMessage);
    if (fieldInMessage) return fieldInMessage[1];
    // graphql-js builds the message as `${prefix}; ${inner.message}`: the path is at the prefix's end.
    const suffix = `; ${innerMessage}`;
    if (error.message.endsWith(suffix)) {
      const path = VARIABLE_PATH.exec(error.message.slice(0, -suffix.length));
      if (path?.[1]) {
        const names = path[1].split(/\.|\[\d+\]/).filter((segment) => segment !== "");
        // the first name is the variable's; the last name is the innermost field
        if (names.length > 1) return names[names.length - 1];
      }
    }
  }
  // The variable's value is bad as a whole (`$qty: Decimal!` given "1e3", or missing): name the argument
  // or input field the variable is used for.
  const variable = VARIABLE_NAME.exec(error.message)?.[1];
  const document = documentOf(error.source);
  if (variable === undefined || !document) return undefined;
  return enclosingInputName(
    document,
    (node, parent) =>
      node.kind === Kind.VARIABLE &&
      node.name.value === variable &&
      parent?.kind !== Kind.VARIABLE_DEFINITION,
  );
}

// A request's errors share one Source: parse it once, however many errors point into it.
const parsedSources = new WeakMap<Source, DocumentNode | null>();

function documentOf(source: Source | undefined): DocumentNode | undefined {
  if (!source) return undefined;
  let document = parsedSources.get(source);
  if (document === undefined) {
    try {
      document = parse(source);
    } catch {
      document = null;
    }
    parsedSources.set(source, document);
  }
  return document ?? undefined;
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "kind" in value;
}

/** The name of the input field or argument nearest around the first node that `matches`. */
function enclosingInputName(
  document: DocumentNode,
  matches: (node: ASTNode, parent: ASTNode | undefined) => boolean,
): string | undefined {
  let name: string | undefined;
  let found = false;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      const parentNode = isNode(parent) ? parent : undefined;
      if (!matches(node, parentNode)) return undefined;
      found = true;
      // graphql-js passes the parent separately from the other ancestors.
      const around = [...ancestors, ...(parent === undefined ? [] : [parent])];
      for (let i = around.length - 1; i >= 0 && name === undefined; i--) {
        const candidate = around[i];
        if (isNode(candidate) && (candidate.kind === Kind.OBJECT_FIELD || candidate.kind === Kind.ARGUMENT)) {
          name = candidate.name.value;
        }
      }
      return BREAK;
    },
  });
  return found ? name : undefined;
}
