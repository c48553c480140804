// The daemon's structured log: one line per record on stderr, logfmt-like text or JSON (`--log-format json`).

import { errorInfo } from "./error-info.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(v: string): v is LogLevel {
  return Object.hasOwn(ORDER, v);
}

/** A field's value; an object (a report) is written as JSON, an Error as its message, code and object. */
export type LogValue = string | number | boolean | undefined | object;

export type LogFields = Readonly<Record<string, LogValue>>;

/** JSON.stringify's replacer: an Error anywhere in a value becomes its message, codes and object. */
function errorsReadable(_key: string, v: unknown): unknown {
  return v instanceof Error ? errorInfo(v) : v;
}

export class Logger {
  readonly #min: number;
  readonly #format: LogFormat;
  readonly #write: (line: string) => void;

  constructor(level: LogLevel = "info", format: LogFormat = "text", write: (line: string) => void = (l) => process.stderr.write(l)) {
    this.#min = ORDER[level];
    this.#format = format;
    this.#write = write;
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (ORDER[level] < this.#min) return;
    const time = new Date().toISOString();
    if (this.#format === "json") {
      const rec: Record<string, unknown> = { time, level, msg };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) rec[k] = v;
      this.#write(`${JSON.stringify(rec, errorsReadable)}\n`);
      return;
    }
    const parts = [`time=${time}`, `level=${level}`, `msg=${JSON.stringify(msg)}`];
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      const s = typeof v === "object" ? JSON.stringify(v, errorsReadable) : String(v);
      parts.push(`${k}=${/^[\w.:/@-]+$/.test(s) ? s : JSON.stringify(s)}`);
    }
    this.#write(`${parts.join(" ")}\n`);
  }

  debug(msg: string, fields?: LogFields): void { this.log("debug", msg, fields); }
  info(msg: string, fields?: LogFields): void { this.log("info", msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.log("warn", msg, fields); }
  error(msg: string, fields?: LogFields): void { this.log("error", msg, fields); }
}
