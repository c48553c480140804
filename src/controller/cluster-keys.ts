// What the cluster store (etcd) holds for global-scope networks: its keys and the records under them.

/** Docker's option carrying one VXLAN ID per IPv4 subnet (csv), filled by the cluster when not given. */
export const VXLANID_LIST_OPTION = "com.docker.network.driver.overlay.vxlanid_list";
/** Docker KV mode's VNI range: 256 … 2^24 − 1. */
export const VNI_MIN = 256;
export const VNI_MAX = 0xffffff;

/** How long a silent host stays listed (etcd lease TTL). */
export const NODE_TTL_SECONDS = 10;

export const clusterKeys = {
  /** Live hosts (leased): value is a ClusterNode. */
  nodes: "nodes/",
  node: (address: string): string => `nodes/${address}`,
  /** Global networks: value is the NetworkRecord as created (its pool IDs mean nothing elsewhere). */
  networks: "networks/",
  network: (id: string): string => `networks/${id}`,
  /** Claims that make names, pools and VNIs unique across hosts: value is the network ID. */
  name: (name: string): string => `names/${name}`,
  pool: (prefix: string): string => `pools/${prefix}`,
  vnis: "vnis/",
  vni: (vni: number): string => `vnis/${vni}`,
  /** One claim per address in use on a global network: value is an AddressClaim. */
  addresses: "addresses/",
  addressesOf: (networkId: string): string => `addresses/${networkId}/`,
  address: (networkId: string, ip: string): string => `addresses/${networkId}/${ip}`,
  /** Endpoints on global networks, from every host: value is a ClusterEndpoint. */
  endpoints: "endpoints/",
  endpointsOf: (networkId: string): string => `endpoints/${networkId}/`,
  endpoint: (networkId: string, id: string): string => `endpoints/${networkId}/${id}`,
} as const;

export interface ClusterNode {
  readonly address: string;
  readonly hostname: string;
}

export interface AddressClaim {
  readonly endpointId: string;
  readonly node: string;
}

/** What other hosts need of an endpoint: where it is (node), its addresses and MAC, its names. */
export interface ClusterEndpoint {
  readonly id: string;
  readonly networkId: string;
  readonly name: string;
  readonly aliases: readonly string[];
  /** Advertise address of the host it lives on. */
  readonly node: string;
  readonly address?: string;
  readonly addressIPv6?: string;
  readonly macAddress?: string;
}

/** "10.0.0.2/24" → "10.0.0.2": address claims are per IP. */
export function ipOfPrefix(address: string): string {
  return address.replace(/\/\d+$/, "");
}
