// The code list is whole: every `ERR_*` literal the sources throw is in ERROR_CODES (the compiler checks
// literals passed straight to a factory; this catches codes that travel as plain strings first).

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { ERROR_CODES, isErrorCode } from "./index.js";

const src = fileURLToPath(new URL("../../../src/", import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.includes("/testing/")) out.push(p);
  }
  return out;
}

describe("error codes", () => {
  it("lists every ERR_ code the sources use, once", () => {
    const known = new Set<string>(ERROR_CODES);
    assert.equal(known.size, ERROR_CODES.length, "no code listed twice");
    const missing = sources(src).flatMap((file) => [...readFileSync(file, "utf8").matchAll(/"(ERR_[A-Z0-9_]+)"/g)]
      .map((m) => m[1] as string).filter((code) => !known.has(code)).map((code) => `${file.slice(src.length)}: ${code}`));
    assert.deepEqual(missing, []);
  });

  it("tells codes from other strings", () => {
    for (const code of ["ERR_NETWORK_NOT_FOUND", "EEXIST", "E200", "ERR_HTTP_404"]) assert.ok(isErrorCode(code), code);
    for (const other of ["ERR_NO_SUCH_CODE", "ENOSUCH", "", 404, undefined]) assert.ok(!isErrorCode(other), String(other));
  });
});
