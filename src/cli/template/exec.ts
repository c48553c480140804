// Executes a parsed template on a value as Go's text/template does: field chains on structs, maps and list
// contexts, variables, function calls and pipes, if/with/range with Go's truth, and its error texts
// ("template: :1:2: executing "" at <.Bogus>: map has no entry for key "Bogus"").

import { lineCol } from "./lex.js";
import { FUNCTIONS, type TemplateFunction } from "./funcs.js";
import type { Command, ControlNode, Node, Operand, Pipeline } from "./parse.js";
import { NO_VALUE, RowContext, Typed, goPrint, isPlainObject, lift, truthy, typeName, type Value } from "./values.js";

export interface ExecOptions {
  /** "error": a missing map key fails the template (docker's inspect fallback on raw JSON); "zero": `<no value>`. */
  readonly missingKey?: "zero" | "error";
  /** Functions that replace the built-in ones of the same name (table headers). */
  readonly functions?: Readonly<Record<string, TemplateFunction>>;
}

/** A failure while executing (Go: "template: :LINE:COL: executing "" at <NODE>: …"). */
export class TemplateExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateExecError";
  }
}

class LoopControl {
  constructor(readonly kind: "break" | "continue") {}
}

interface Variable { readonly name: string; value: Value }

class State {
  out = "";
  readonly vars: Variable[];
  constructor(readonly src: string, readonly options: ExecOptions, root: Value) {
    this.vars = [{ name: "$", value: root }];
  }

  fail(at: { readonly pos: number; readonly src: string }, message: string): never {
    throw new TemplateExecError(`template: :${lineCol(this.src, at.pos)}: executing "" at <${at.src}>: ${message}`);
  }

  fn(name: string): TemplateFunction | undefined {
    return this.options.functions?.[name] ?? FUNCTIONS[name];
  }

  walk(nodes: readonly Node[], dot: Value): void {
    for (const n of nodes) this.node(n, dot);
  }

  node(n: Node, dot: Value): void {
    switch (n.t) {
      case "text": this.out += n.text; return;
      case "action": {
        const v = this.pipeline(n.pipe, dot);
        if (n.pipe.decl.length === 0) this.out += goPrint(v, true);
        return;
      }
      case "if": case "with": {
        const mark = this.vars.length;
        const v = this.pipeline(n.pipe, dot);
        if (truthy(v)) this.walk(n.list, n.t === "with" ? v : dot);
        else if (n.elseList !== undefined) this.walk(n.elseList, dot);
        this.vars.length = mark;
        return;
      }
      case "range": this.range(n, dot); return;
      case "break": case "continue": throw new LoopControl(n.t);
    }
  }

  range(n: ControlNode, dot: Value): void {
    const mark = this.vars.length;
    const v = this.pipeline({ ...n.pipe, decl: [] }, dot);
    const items = this.items(v, n.pipe);
    for (const [key, item] of items) {
      this.vars.length = mark;
      if (n.pipe.decl.length === 1) this.vars.push({ name: n.pipe.decl[0] as string, value: item });
      if (n.pipe.decl.length === 2) this.vars.push({ name: n.pipe.decl[0] as string, value: key }, { name: n.pipe.decl[1] as string, value: item });
      try {
        this.walk(n.list, item);
      } catch (err) {
        if (!(err instanceof LoopControl)) throw err;
        if (err.kind === "break") break;
      }
    }
    this.vars.length = mark;
    if (items.length === 0 && n.elseList !== undefined) this.walk(n.elseList, dot);
  }

  /** What range iterates: elements with their index, map values in key order, 0..n-1 for an int. */
  items(v: Value, pipe: Pipeline): Array<[Value, Value]> {
    if (v === NO_VALUE || v === null) return [];
    if (typeof v === "number" && Number.isInteger(v)) return Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
    if (Array.isArray(v)) return (v as readonly Value[]).map((x, i) => [i, x]);
    if (v instanceof Typed && (v.type.kind === "slice" || v.type.kind === "map")) {
      const raw = v.raw ?? (v.type.kind === "slice" ? [] : {});
      const elem = v.type.elem;
      if (v.type.kind === "slice") return (raw as unknown[]).map((x, i) => [i, lift(elem, x)]);
      return Object.keys(raw as object).sort().map((k) => [k, lift(elem, (raw as Record<string, unknown>)[k])]);
    }
    if (isPlainObject(v)) return Object.keys(v).sort().map((k) => [k, v[k] as Value]);
    return this.fail({ pos: pipe.pos, src: "range" }, `range can't iterate over ${goPrint(v)}`);
  }

  pipeline(pipe: Pipeline, dot: Value): Value {
    let value: Value | undefined;
    for (const cmd of pipe.cmds) value = this.command(cmd, dot, value);
    const v = value as Value;
    if (pipe.decl.length > 0) {
      const name = pipe.decl[0] as string;
      if (pipe.assign) {
        const target = [...this.vars].reverse().find((x) => x.name === name);
        if (target === undefined) this.fail({ pos: pipe.pos, src: name }, `undefined variable: ${name}`);
        target.value = v;
      } else this.vars.push({ name, value: v });
    }
    return v;
  }

  command(cmd: Command, dot: Value, piped: Value | undefined): Value {
    const [first, ...rest] = cmd.args;
    const head = first as Operand;
    const args = (): Value[] => {
      const values = rest.map((a) => this.arg(a, dot));
      if (piped !== undefined) values.push(piped);
      return values;
    };
    if (head.t === "function") {
      const f = this.fn(head.name);
      if (f === undefined) this.fail(head, `function "${head.name}" not defined`);
      const values = args();
      try {
        return f(values);
      } catch (err) {
        if (err instanceof TemplateExecError) throw err;
        return this.fail(cmd, `error calling ${head.name}: ${(err as Error).message}`);
      }
    }
    if (head.t === "field" || (head.t === "variable" && head.names.length > 0) || (head.t === "chain" && head.names.length > 0)) {
      return this.operand(head, dot, args());
    }
    if (rest.length > 0 || piped !== undefined) this.fail(head, `can't give argument to non-function ${head.src}`);
    return this.operand(head, dot, []);
  }

  arg(a: Operand, dot: Value): Value {
    return this.operand(a, dot, []);
  }

  operand(o: Operand, dot: Value, args: readonly Value[]): Value {
    switch (o.t) {
      case "dot": return dot;
      case "literal": return o.value;
      case "function": {
        const f = this.fn(o.name);
        if (f === undefined) this.fail(o, `function "${o.name}" not defined`);
        return f([]);
      }
      case "field": return this.chain(o, dot, o.names, args);
      case "variable": {
        const found = [...this.vars].reverse().find((x) => x.name === o.name);
        if (found === undefined) this.fail(o, `undefined variable: ${o.name}`);
        return this.chain(o, found.value, o.names, args);
      }
      case "chain": return this.chain(o, this.pipeline(o.pipe, dot), o.names, args);
    }
  }

  chain(at: Operand, start: Value, names: readonly string[], args: readonly Value[]): Value {
    let v = start;
    names.forEach((name, i) => { v = this.field(at, v, name, i === names.length - 1 ? args : []); });
    return v;
  }

  field(at: Operand, recv: Value, name: string, args: readonly Value[]): Value {
    if (recv instanceof RowContext) {
      const m = recv.methods[name];
      if (m !== undefined) return m(args);
      const f = recv.fields[name];
      if (f !== undefined) {
        if (args.length > 0) this.fail(at, `${name} has arguments but cannot be invoked as function`);
        return f;
      }
      return this.fail(at, `can't evaluate field ${name} in type ${recv.typeName}`);
    }
    if (args.length > 0) this.fail(at, `${name} is not a method but has arguments`);
    if (recv instanceof Typed && recv.type.kind === "struct") {
      const f = recv.type.fields.find((x) => x.name === name);
      if (f === undefined) this.fail(at, `can't evaluate field ${name} in type ${recv.type.name}`);
      return lift(f.type, (recv.raw as Record<string, unknown> | null | undefined)?.[f.json]);
    }
    if (recv instanceof Typed && recv.type.kind === "map") {
      const raw = (recv.raw ?? {}) as Record<string, unknown>;
      if (Object.hasOwn(raw, name)) return lift(recv.type.elem, raw[name]);
      return this.missing(at, name);
    }
    if (isPlainObject(recv)) return Object.hasOwn(recv, name) ? (recv[name] as Value) : this.missing(at, name);
    if (recv === NO_VALUE) return this.options.missingKey === "error" ? this.fail(at, `nil data; no entry for key "${name}"`) : NO_VALUE;
    if (recv === null) this.fail(at, `nil pointer evaluating interface {}.${name}`);
    return this.fail(at, `can't evaluate field ${name} in type ${typeName(recv)}`);
  }

  missing(at: Operand, name: string): Value {
    return this.options.missingKey === "error" ? this.fail(at, `map has no entry for key "${name}"`) : NO_VALUE;
  }
}

/** Runs the template; throws TemplateExecError. */
export function execute(source: string, nodes: readonly Node[], data: Value, options: ExecOptions = {}): string {
  const s = new State(source, options, data);
  s.walk(nodes, data);
  return s.out;
}
