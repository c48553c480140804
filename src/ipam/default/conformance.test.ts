// The default IPAM runs the IPAM conformance suite.

import { runIpamConformance } from "../../ipam-api/conformance.js";
import { DefaultIpam } from "./allocator.js";

runIpamConformance("default", () => new DefaultIpam());
