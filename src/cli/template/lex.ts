// The lexer of Go's text/template syntax (what `--format` takes): text, `{{ }}` actions with `{{-`/`-}}`
// trimming, fields, variables, literals, parentheses and pipes. Positions are offsets in the template.

export type TokenKind =
  | "text" | "open" | "close" | "space" | "field" | "variable" | "dot" | "ident" | "string" | "number" | "char"
  | "lparen" | "rparen" | "pipe" | "declare" | "assign" | "comma";

export interface Token {
  readonly kind: TokenKind;
  /** Text, identifier, field name (no dot), variable name (with `$`), decoded string, number. */
  readonly value: string;
  readonly pos: number;
}

/** A mistake in the template's syntax (Go: "template: :LINE: …"). */
export class TemplateSyntaxError extends Error {
  constructor(source: string, pos: number, message: string) {
    super(`template: :${lineOf(source, pos)}: ${message}`);
    this.name = "TemplateSyntaxError";
  }
}

export function lineOf(source: string, pos: number): number {
  return source.slice(0, pos).split("\n").length;
}

/** `LINE:COL` as Go's ErrorContext gives it (column counted from 0 within the line). */
export function lineCol(source: string, pos: number): string {
  const before = source.slice(0, pos);
  return `${before.split("\n").length}:${pos - (before.lastIndexOf("\n") + 1)}`;
}

const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{N}_]/u;
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'", a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0" };

function decodeQuoted(source: string, body: string, pos: number): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    const r = ESCAPES[e];
    if (r === undefined) throw new TemplateSyntaxError(source, pos, `unknown escape sequence: \\${e}`);
    return r;
  });
}

class Lexer {
  readonly tokens: Token[] = [];
  i = 0;
  constructor(readonly src: string) {}

  fail(message: string): never {
    throw new TemplateSyntaxError(this.src, this.i, message);
  }

  run(): Token[] {
    while (this.i < this.src.length) {
      const open = this.src.indexOf("{{", this.i);
      const end = open < 0 ? this.src.length : open;
      let text = this.src.slice(this.i, end);
      const trimLeft = open >= 0 && this.src[open + 2] === "-" && SPACE.test(this.src[open + 3] ?? "");
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, "");
      if (text !== "") this.tokens.push({ kind: "text", value: text, pos: this.i });
      if (open < 0) break;
      this.i = open + (trimLeft ? 4 : 2);
      this.action(open);
    }
    return this.tokens;
  }

  /** One action, from after `{{` to after `}}`; a comment leaves no tokens. */
  action(open: number): void {
    const rest = this.src.slice(this.i);
    const comment = /^\s*\/\*[\s\S]*?\*\/\s*?(?: -)?\}\}/.exec(rest.startsWith("/*") ? rest : "");
    if (comment !== null) {
      const trimRight = comment[0].endsWith(" -}}");
      this.i += comment[0].length;
      if (trimRight) this.skipSpace();
      return;
    }
    this.tokens.push({ kind: "open", value: "", pos: open });
    for (;;) {
      if (this.i >= this.src.length) this.fail("unclosed action");
      let j = this.i;
      while (j < this.src.length && SPACE.test(this.src[j] as string)) j++;
      if (j > this.i && this.src.startsWith("-}}", j)) {
        this.tokens.push({ kind: "close", value: "", pos: j });
        this.i = j + 3;
        this.skipSpace();
        return;
      }
      if (this.src.startsWith("}}", this.i)) {
        this.tokens.push({ kind: "close", value: "", pos: this.i });
        this.i += 2;
        return;
      }
      this.token();
    }
  }

  skipSpace(): void {
    while (this.i < this.src.length && SPACE.test(this.src[this.i] as string)) this.i++;
  }

  push(kind: TokenKind, value: string, pos: number): void {
    this.tokens.push({ kind, value, pos });
  }

  token(): void {
    const s = this.src;
    const start = this.i;
    const c = s[this.i] as string;
    if (SPACE.test(c)) { this.skipSpace(); this.push("space", "", start); return; }
    const single: Readonly<Record<string, TokenKind>> = { "(": "lparen", ")": "rparen", "|": "pipe", ",": "comma", "=": "assign" };
    if (s.startsWith(":=", this.i)) { this.i += 2; this.push("declare", ":=", start); return; }
    const kind = single[c];
    if (kind !== undefined) { this.i++; this.push(kind, c, start); return; }
    if (c === '"' || c === "'") { this.quoted(c); return; }
    if (c === "`") {
      const close = s.indexOf("`", this.i + 1);
      if (close < 0) this.fail("unterminated raw quoted string");
      this.push("string", s.slice(this.i + 1, close), start);
      this.i = close + 1;
      return;
    }
    if (c === "." || c === "$") {
      this.i++;
      while (this.i < s.length && ALNUM.test(s[this.i] as string)) this.i++;
      const name = s.slice(start + 1, this.i);
      if (c === "$") this.push("variable", `$${name}`, start);
      else if (name === "") this.push("dot", ".", start);
      else if (/^\d/.test(name)) this.number(start);
      else this.push("field", name, start);
      return;
    }
    if (/[0-9+-]/.test(c)) { this.number(start); return; }
    if (ALNUM.test(c)) {
      while (this.i < s.length && ALNUM.test(s[this.i] as string)) this.i++;
      this.push("ident", s.slice(start, this.i), start);
      return;
    }
    this.fail(`unexpected ${JSON.stringify(c)} in command`);
  }

  number(start: number): void {
    const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(this.src.slice(start));
    const text = m?.[0] ?? "";
    if (text === "" || text === "+" || text === "-" || text === ".") this.fail(`bad number syntax: ${JSON.stringify(this.src.slice(start, start + 8))}`);
    this.i = start + text.length;
    this.push("number", text, start);
  }

  quoted(q: string): void {
    const start = this.i;
    let j = this.i + 1;
    while (j < this.src.length && this.src[j] !== q) {
      if (this.src[j] === "\\") j++;
      if (this.src[j] === "\n") this.fail("unterminated quoted string");
      j++;
    }
    if (j >= this.src.length) this.fail("unterminated quoted string");
    const body = decodeQuoted(this.src, this.src.slice(start + 1, j), start);
    this.i = j + 1;
    if (q === "'") {
      if ([...body].length !== 1) this.fail(`malformed character constant: ${this.src.slice(start, j + 1)}`);
      this.push("char", String(body.codePointAt(0)), start);
    } else this.push("string", body, start);
  }
}

export function lex(source: string): Token[] {
  return new Lexer(source).run();
}
