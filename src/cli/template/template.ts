// A Go text/template, parsed once and run on many values: the entry point of the template engine.

import { execute, type ExecOptions } from "./exec.js";
import { FUNCTIONS } from "./funcs.js";
import { parseTemplate, type Node } from "./parse.js";
import type { Value } from "./values.js";

export { TemplateExecError } from "./exec.js";
export { TemplateSyntaxError } from "./lex.js";

export class Template {
  private constructor(readonly source: string, readonly nodes: readonly Node[]) {}

  /** Throws TemplateSyntaxError. */
  static parse(source: string): Template {
    return new Template(source, parseTemplate(source, (name) => Object.hasOwn(FUNCTIONS, name)));
  }

  /** Throws TemplateExecError. */
  execute(data: Value, options: ExecOptions = {}): string {
    return execute(this.source, this.nodes, data, options);
  }
}
