// The parser of Go's text/template syntax into a tree: text, actions (pipelines of commands, with
// `$x :=` declarations), if / else if / else, range (with `$i, $v :=`, else, break, continue), with, end.

import { TemplateSyntaxError, lex, type Token, type TokenKind } from "./lex.js";

export type Operand =
  | { readonly t: "field"; readonly names: readonly string[]; readonly src: string; readonly pos: number }
  | { readonly t: "variable"; readonly name: string; readonly names: readonly string[]; readonly src: string; readonly pos: number }
  | { readonly t: "dot"; readonly src: string; readonly pos: number }
  | { readonly t: "function"; readonly name: string; readonly src: string; readonly pos: number }
  | { readonly t: "literal"; readonly value: string | number | boolean | null; readonly src: string; readonly pos: number }
  | { readonly t: "chain"; readonly pipe: Pipeline; readonly names: readonly string[]; readonly src: string; readonly pos: number };

export interface Command {
  readonly args: readonly Operand[];
  readonly pos: number;
  /** The command's text, for error messages (`index .IPAM.Config 3`). */
  readonly src: string;
}

export interface Pipeline {
  /** Variables declared (`:=`) or assigned (`=`) with the pipeline's value. */
  readonly decl: readonly string[];
  readonly assign: boolean;
  readonly cmds: readonly Command[];
  readonly pos: number;
}

export type Node =
  | { readonly t: "text"; readonly text: string }
  | { readonly t: "action"; readonly pipe: Pipeline }
  | ControlNode
  | { readonly t: "break" | "continue"; readonly pos: number };

export interface ControlNode {
  readonly t: "if" | "with" | "range";
  readonly pipe: Pipeline;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | undefined;
}

/** How a list of nodes ended. */
type End = "end" | "else" | "eof";

class Parser {
  i = 0;
  rangeDepth = 0;
  constructor(readonly src: string, readonly toks: readonly Token[], readonly isFunction: (name: string) => boolean) {}

  fail(pos: number, message: string): never {
    throw new TemplateSyntaxError(this.src, pos, message);
  }

  peek(skipSpace = true): Token | undefined {
    let j = this.i;
    while (skipSpace && this.toks[j]?.kind === "space") j++;
    return this.toks[j];
  }

  next(skipSpace = true): Token {
    while (skipSpace && this.toks[this.i]?.kind === "space") this.i++;
    const tok = this.toks[this.i++];
    if (tok === undefined) this.fail(this.src.length, "unexpected EOF");
    return tok;
  }

  expect(kind: TokenKind, context: string): Token {
    const tok = this.next();
    if (tok.kind !== kind) this.fail(tok.pos, `unexpected ${describe(tok)} in ${context}`);
    return tok;
  }

  /** Nodes until `{{end}}`, `{{else …}}` or the end of the template. */
  list(): { nodes: Node[]; end: End; endTok?: Token } {
    const nodes: Node[] = [];
    while (this.i < this.toks.length) {
      const tok = this.next(false);
      if (tok.kind === "text") { nodes.push({ t: "text", text: tok.value }); continue; }
      const word = this.peek();
      if (word?.kind === "ident" && ["end", "else"].includes(word.value)) {
        this.next();
        if (word.value === "end") this.expect("close", "end");
        return { nodes, end: word.value as End, endTok: word };
      }
      nodes.push(this.action());
    }
    return { nodes, end: "eof" };
  }

  action(): Node {
    const word = this.peek();
    if (word?.kind === "ident") {
      switch (word.value) {
        case "if": case "with": case "range": this.next(); return this.control(word.value, word);
        case "break": case "continue":
          this.next();
          if (this.rangeDepth === 0) this.fail(word.pos, `{{${word.value}}} outside {{range}}`);
          this.expect("close", word.value);
          return { t: word.value, pos: word.pos };
        case "define": case "template": case "block":
          this.fail(word.pos, `{{${word.value}}} is not supported`);
      }
    }
    return { t: "action", pipe: this.pipeline("command", true) };
  }

  control(kind: "if" | "with" | "range", tok: Token): Node {
    const pipe = this.pipeline(kind, true);
    if (kind === "range") this.rangeDepth++;
    const body = this.list();
    if (kind === "range") this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (body.end === "eof") this.fail(tok.pos, `unexpected EOF: {{${kind}}} without {{end}}`);
    if (body.end === "else") {
      const chained = this.peek();
      if (chained?.kind === "ident" && (chained.value === "if" || chained.value === "with") && kind !== "range") {
        // {{else if …}} is {{else}}{{if …}}…{{end}} sharing this {{end}}.
        this.next();
        elseList = [this.control(chained.value, chained)];
      } else {
        this.expect("close", "else");
        const rest = this.list();
        if (rest.end !== "end") this.fail(tok.pos, `expected {{end}} after {{else}} of {{${kind}}}`);
        elseList = rest.nodes;
      }
    }
    return { t: kind, pipe, list: body.nodes, elseList };
  }

  pipeline(context: string, untilClose: boolean): Pipeline {
    const start = this.peek()?.pos ?? this.src.length;
    const decl: string[] = [];
    let assign = false;
    const save = this.i;
    const v1 = this.peek();
    if (v1?.kind === "variable") {
      this.next();
      const after = this.peek();
      if (after?.kind === "comma" && context === "range") {
        this.next();
        decl.push(v1.value, this.expect("variable", "range").value);
        this.expect("declare", "range");
      } else if (after?.kind === "declare" || after?.kind === "assign") {
        this.next();
        decl.push(v1.value);
        assign = after.kind === "assign";
      } else this.i = save;
    }
    const cmds: Command[] = [];
    for (;;) {
      cmds.push(this.command(context));
      const tok = this.next();
      if (tok.kind === "pipe") continue;
      if ((untilClose && tok.kind === "close") || (!untilClose && tok.kind === "rparen")) break;
      this.fail(tok.pos, `unexpected ${describe(tok)} in ${context}`);
    }
    return { decl, assign, cmds, pos: start };
  }

  command(context: string): Command {
    const args: Operand[] = [];
    const pos = this.peek()?.pos ?? this.src.length;
    for (;;) {
      const tok = this.peek();
      if (tok === undefined || ["close", "rparen", "pipe"].includes(tok.kind)) break;
      args.push(this.operand());
      const sep = this.toks[this.i];
      if (sep !== undefined && !["space", "close", "rparen", "pipe"].includes(sep.kind)) this.fail(sep.pos, `unexpected ${describe(sep)} in operand`);
    }
    if (args.length === 0) this.fail(pos, `missing value for ${context}`);
    const end = this.peek()?.pos ?? this.src.length;
    return { args, pos, src: this.src.slice(pos, end).trimEnd() };
  }

  /** A term and the fields chained to it without spaces (`.A.B`, `$x.Name`, `(index .C 0).Subnet`). */
  operand(): Operand {
    const tok = this.next();
    const names: string[] = [];
    const chain = (): void => { while (this.toks[this.i]?.kind === "field") names.push(this.toks[this.i++]?.value as string); };
    const src = (): string => this.src.slice(tok.pos, this.toks[this.i]?.pos ?? this.src.length).trimEnd();
    switch (tok.kind) {
      case "field": names.push(tok.value); chain(); return { t: "field", names, src: src(), pos: tok.pos };
      case "variable": chain(); return { t: "variable", name: tok.value, names, src: src(), pos: tok.pos };
      case "dot": return { t: "dot", src: ".", pos: tok.pos };
      case "string": return { t: "literal", value: tok.value, src: src(), pos: tok.pos };
      case "number": case "char": return { t: "literal", value: parseNumber(this, tok), src: src(), pos: tok.pos };
      case "lparen": {
        const pipe = this.pipeline("parenthesized pipeline", false);
        chain();
        return { t: "chain", pipe, names, src: src(), pos: tok.pos };
      }
      case "ident":
        if (tok.value === "true" || tok.value === "false") return { t: "literal", value: tok.value === "true", src: tok.value, pos: tok.pos };
        if (tok.value === "nil") return { t: "literal", value: null, src: "nil", pos: tok.pos };
        if (!this.isFunction(tok.value)) this.fail(tok.pos, `function "${tok.value}" not defined`);
        return { t: "function", name: tok.value, src: tok.value, pos: tok.pos };
      default: this.fail(tok.pos, `unexpected ${describe(tok)} in operand`);
    }
  }
}

function parseNumber(p: Parser, tok: Token): number {
  const n = tok.kind === "char" ? Number(tok.value) : Number(tok.value.replace(/_/g, "").replace(/^([+-]?)0[oO]/, "$10o"));
  if (!Number.isFinite(n)) p.fail(tok.pos, `bad number syntax: ${tok.value}`);
  return n;
}

function describe(tok: Token): string {
  if (tok.kind === "close") return "\"}}\"";
  if (tok.kind === "rparen") return "\")\"";
  return tok.value === "" ? tok.kind : JSON.stringify(tok.value);
}

/** The tree of `source`; `isFunction` tells which function names exist (Go checks them when parsing). */
export function parseTemplate(source: string, isFunction: (name: string) => boolean): readonly Node[] {
  const p = new Parser(source, lex(source), isFunction);
  const { nodes, end, endTok } = p.list();
  if (end !== "eof") p.fail(endTok?.pos ?? 0, `unexpected {{${end}}}`);
  return nodes;
}
