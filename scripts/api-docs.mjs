// The API reference: typedoc renders the TSDoc of the package's entry points (typedoc.json) into docs/api/
// (`npm run docs`), or, with --check (`npm test`), into a scratch directory, failing on any warning: a
// type the public API uses but does not export, a broken {@link}.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// typedoc loads TypeScript's compiler API, which the project's TypeScript 7 no longer has: it runs from
// tools/api-docs/ with the TypeScript it supports.
const typedoc = join(root, "tools", "api-docs", "node_modules", "typedoc", "bin", "typedoc");
if (!existsSync(typedoc)) {
  console.error("api-docs: typedoc is not installed; run: npm ci --prefix tools/api-docs");
  process.exit(1);
}

const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "dnet-api-docs-")) : join(root, "docs", "api");
// The exit comes after the finally: process.exit() inside the try skipped it and left the check's
// directory behind whenever typedoc warned.
let status = 0;
try {
  const r = spawnSync(process.execPath, [typedoc, "--out", out, "--treatWarningsAsErrors", "--logLevel", check ? "Warn" : "Info"],
    { cwd: root, stdio: "inherit" });
  status = r.status ?? 1;
  if (status === 0) console.log(check ? "api-docs: the API reference builds without warnings" : `api-docs: written to ${out}`);
} finally {
  if (check) rmSync(out, { recursive: true, force: true });
}
process.exit(status);
