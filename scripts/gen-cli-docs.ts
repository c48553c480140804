// Writes the CLI's generated documentation from the command table: docs/dnet.1 (the man page) and
// docs/cli.md. Run after changing a command: `npm run build && node dist/scripts/gen-cli-docs.js`
// (src/cli/docs.test.ts fails while the checked-in files differ from what this writes).

import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cliMarkdown } from "../src/cli/cli-markdown.js";
import { COMMAND_TABLE } from "../src/cli/commands.js";
import { manPage } from "../src/cli/man-page.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
writeFileSync(join(root, "docs", "dnet.1"), manPage(COMMAND_TABLE));
writeFileSync(join(root, "docs", "cli.md"), cliMarkdown(COMMAND_TABLE));
console.log("wrote docs/dnet.1 and docs/cli.md");
