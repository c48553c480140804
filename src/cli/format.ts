// `--format` / `-f` the way the docker CLI applies it: `inspect -f TEMPLATE` runs on the typed view and
// falls back to the raw JSON (with missing keys as errors), `ls --format` takes `table`, `table TEMPLATE`,
// or TEMPLATE on each row's context, with `\t` and `\n` written as escapes and columns aligned.

import { UsageError } from "./common.js";
import { tabwriter } from "./tabwriter.js";
import { HEADER_FUNCTIONS } from "./template/funcs.js";
import { Template, TemplateExecError, TemplateSyntaxError } from "./template/template.js";
import { RowContext, Typed, goTime, type GoType, type Value } from "./template/values.js";

/** Parses a template given on the command line: a syntax error is a usage error. */
export function parseFormat(source: string): Template {
  try {
    return Template.parse(source);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new UsageError(`template parsing error: ${err.message}`);
    throw err;
  }
}

export interface InspectResult {
  readonly text: string;
  /** One message per element the template failed on (the others are still printed). */
  readonly errors: readonly string[];
}

/** `inspect -f TEMPLATE`: one line per element. `type`: the Go type the docker CLI decodes it into, if any. */
export function formatInspect(source: string, elements: readonly unknown[], type?: GoType): InspectResult {
  if (source === "json") return { text: JSON.stringify(elements), errors: [] };
  const tmpl = parseFormat(source);
  let text = "";
  const errors: string[] = [];
  for (const raw of elements) {
    try {
      if (type === undefined) throw new TemplateExecError("no typed view");
      text += `${tmpl.execute(new Typed(type, raw))}\n`;
    } catch (typedErr) {
      if (!(typedErr instanceof TemplateExecError)) throw typedErr;
      try {
        text += `${tmpl.execute(raw as Value, { missingKey: "error" })}\n`;
      } catch (err) {
        if (!(err instanceof TemplateExecError)) throw err;
        errors.push(`template parsing error: ${err.message}`);
      }
    }
  }
  return { text, errors };
}

export interface ListFormat {
  /** Column titles by field name (`ID` → `NETWORK ID`). */
  readonly headers: Readonly<Record<string, string>>;
  /** The format of a plain `ls`. */
  readonly defaultTable: string;
}

/** `ls --format FORMAT` (or `-q`, which means `{{.ID}}`) on each row; the text to print, newline-terminated. */
export function formatList(format: string | undefined, quiet: boolean, rows: readonly RowContext[], list: ListFormat): string {
  let source = format ?? "table";
  if (source === "table") source = quiet ? "{{.ID}}" : list.defaultTable;
  const isTable = source.startsWith("table");
  const body = (isTable ? source.slice("table".length) : source).replace(/^ +| +$/g, "").replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  const tmpl = parseFormat(body);
  let out = "";
  for (const row of rows) {
    try {
      out += `${tmpl.execute(row)}\n`;
    } catch (err) {
      if (err instanceof TemplateExecError) throw new Error(`template parsing error: ${err.message}`);
      throw err;
    }
  }
  if (!isTable) return out;
  let header = "";
  try {
    // docker's header context: the column titles, and Label(KEY) titled KEY.
    const headers = new RowContext("formatter.SubHeaderContext", list.headers, { Label: (args: readonly Value[]) => String(args[0] ?? "") });
    header = tmpl.execute(headers, { functions: HEADER_FUNCTIONS });
  } catch {
    // docker prints what the header row produced before failing, and goes on.
  }
  return tabwriter(`${header}\n${out}`);
}

/** A row of `network ls`, as docker's networkContext offers it. */
export function networkRow(n: { Id: string; Name: string; Driver: string; Scope: string; EnableIPv6: boolean; Internal: boolean; Labels: Readonly<Record<string, string>> | null; Created: string; EnableIPv4?: boolean }, trunc: boolean): RowContext {
  const labels = n.Labels ?? {};
  return new RowContext("*network.networkContext", {
    ID: trunc ? n.Id.slice(0, 12) : n.Id, Name: n.Name, Driver: n.Driver, Scope: n.Scope,
    IPv4: String(n.EnableIPv4 === true), IPv6: String(n.EnableIPv6), Internal: String(n.Internal),
    Labels: Object.keys(labels).sort().map((k) => `${k}=${labels[k] ?? ""}`).join(","), CreatedAt: goTime(n.Created).string,
  }, { Label: (args: readonly Value[]) => labels[String(args[0])] ?? "" });
}

export const NETWORK_LIST: ListFormat = {
  headers: { ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER", Scope: "SCOPE", IPv4: "IPV4", IPv6: "IPV6", Internal: "INTERNAL", Labels: "LABELS", CreatedAt: "CREATED AT" },
  defaultTable: "table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}",
};

export const SANDBOX_LIST: ListFormat = {
  headers: { ID: "SANDBOX ID", Name: "NAME", Networks: "NETWORKS", Addresses: "ADDRESSES", Ports: "PORTS", CreatedAt: "CREATED AT" },
  defaultTable: "table {{.ID}}\\t{{.Name}}\\t{{.Networks}}\\t{{.Addresses}}",
};
