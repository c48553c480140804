// Writes docs/multi-host-testbed.svg, the picture of the multi-host test bed, from the bed's own addresses.
// Run after changing the bed: `npm run build && node dist/scripts/gen-testbed-svg.js`
// (src/testing/cluster-bed-svg.test.ts fails while the checked-in file differs from what this writes).

import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { testBedSvg } from "../src/testing/cluster-bed-svg.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
writeFileSync(join(root, "docs", "multi-host-testbed.svg"), testBedSvg());
console.log("wrote docs/multi-host-testbed.svg");
