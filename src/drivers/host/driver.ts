// The host driver: endpoints share the host's own network namespace; nothing is created or configured.

import { SingleInstanceDriver } from "../../driver-api/index.js";

export class HostDriver extends SingleInstanceDriver {
  constructor() {
    super("host", { dataScope: "local", connectivityScope: "local", hostNamespace: true });
  }
}
