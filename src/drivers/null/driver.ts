// The null driver: a network with no connectivity at all (a sandbox keeps only `lo`). Docker's "none".

import { SingleInstanceDriver } from "../../driver-api/index.js";

export class NullDriver extends SingleInstanceDriver {
  constructor() {
    super("null", { dataScope: "local", connectivityScope: "" });
  }
}
