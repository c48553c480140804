// For the HTTP API test: the subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that docs/openapi.json
// is written in, as a validator, and the lookup of a documented response by method, path and status.
// A keyword outside the subset is an error, so the document cannot say more than the test checks.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SchemaObject {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: Schema;
  readonly items?: Schema;
  readonly enum?: readonly Json[];
  readonly description?: string;
}
export type Schema = boolean | SchemaObject;

const KEYWORDS = new Set(["$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "description"]);

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, Schema>>; readonly responses: Readonly<Record<string, unknown>> };
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(wanted: string, actual: string): boolean {
  return wanted === actual || (wanted === "number" && actual === "integer");
}

/** `#/components/schemas/X` (or any JSON pointer into the document). */
function resolveRef(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}`);
  let at: unknown = doc;
  for (const part of ref.slice(2).split("/")) {
    at = (at as Record<string, unknown> | undefined)?.[part];
    if (at === undefined) throw new Error(`$ref ${ref} leads nowhere`);
  }
  return at;
}

function checkObject(doc: OpenApiDocument, s: SchemaObject, value: Record<string, unknown>, at: string): string[] {
  const problems: string[] = [];
  for (const key of s.required ?? []) if (!(key in value)) problems.push(`${at}: ${key} is missing`);
  for (const [key, v] of Object.entries(value)) {
    const known = s.properties?.[key];
    if (known !== undefined) problems.push(...validate(doc, known, v, `${at}.${key}`));
    else if (s.additionalProperties === false) problems.push(`${at}: ${key} is not in the document`);
    else if (s.additionalProperties !== undefined) problems.push(...validate(doc, s.additionalProperties, v, `${at}.${key}`));
  }
  return problems;
}

/** Problems of `value` against `schema`, each with its JSON path; [] when it conforms. */
export function validate(doc: OpenApiDocument, schema: Schema, value: unknown, at = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value is allowed here`];
  const unknown = Object.keys(schema).filter((k) => !KEYWORDS.has(k));
  if (unknown.length > 0) throw new Error(`${at}: schema keywords outside the validator's subset: ${unknown.join(", ")}`);
  if (schema.$ref !== undefined) return validate(doc, resolveRef(doc, schema.$ref) as Schema, value, at);
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const wanted = typeof schema.type === "string" ? [schema.type] : schema.type;
    if (!wanted.some((t) => typeMatches(t, actual))) return [`${at}: ${actual}, the document says ${wanted.join(" or ")}`];
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  }
  if (actual === "array" && schema.items !== undefined) {
    return (value as unknown[]).flatMap((item, i) => validate(doc, schema.items as Schema, item, `${at}[${i}]`));
  }
  if (actual === "object") return checkObject(doc, schema, value as Record<string, unknown>, at);
  return [];
}

/** The document's path template that serves `path` (query and `/vX.Y` prefix removed): literals before `{params}`. */
export function pathTemplate(doc: OpenApiDocument, method: string, path: string): string | undefined {
  const bare = path.split("?")[0]?.replace(/^\/v\d+(\.\d+)?(?=\/)/, "") ?? "";
  const templates = Object.keys(doc.paths).filter((t) => doc.paths[t]?.[method.toLowerCase()] !== undefined)
    .sort((a, b) => a.split("{").length - b.split("{").length);
  return templates.find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(bare));
}

export interface DocumentedResponse {
  readonly template: string;
  readonly content?: Readonly<Record<string, { readonly schema: Schema }>>;
}

/** The response the document gives for this method, path and status; throws when it gives none. */
export function documentedResponse(doc: OpenApiDocument, method: string, path: string, status: number): DocumentedResponse {
  const template = pathTemplate(doc, method, path);
  if (template === undefined) throw new Error(`${method} ${path}: no such route in the document`);
  const op = doc.paths[template]?.[method.toLowerCase()] as { responses: Record<string, unknown> };
  let response = op.responses[String(status)] as { $ref?: string; content?: DocumentedResponse["content"] } | undefined;
  if (response === undefined) throw new Error(`${method} ${template}: status ${status} is not in the document`);
  if (response.$ref !== undefined) response = resolveRef(doc, response.$ref) as typeof response;
  return { template, ...(response.content === undefined ? {} : { content: response.content }) };
}
