// The shape of netlink schema data (structs, attributes, messages) and the TypeScript types derived from it.

import type { IpAddress } from "../types/index.js";
import type { RawAttr } from "./tlv.js";

/** Fixed-width integers: host order (u*, s32) or network order (be*, e.g. IFLA_VXLAN_PORT). */
export type IntKind = "u8" | "u16" | "u32" | "u64" | "s32" | "be16" | "be32";
/** Attribute payloads that carry one value. */
export type ScalarKind = IntKind | "string" | "binary" | "flag" | "ip" | "mac";

/** A C struct: fields at explicit offsets; bytes not described (padding) are written as zero. */
export interface StructSpec {
  readonly size: number;
  readonly fields: readonly { readonly name: string; readonly offset: number; readonly kind: IntKind }[];
}

/** A family header followed by attributes (ifinfomsg + IFLA_*); `name` is the key of the header (ifi, ifa, rtm, ndm). */
export interface MessageSpec {
  readonly name: string;
  readonly header: StructSpec;
  readonly attrs: Schema;
}

/** How one attribute's payload is interpreted. */
export type ValueSpec =
  /** `nul: false` sends a string without its terminating NUL (as iproute2 sends IFLA_INFO_KIND). */
  | { readonly kind: ScalarKind; readonly nul?: boolean }
  | { readonly kind: "nested"; readonly schema: Schema }
  | { readonly kind: "struct"; readonly struct: StructSpec }
  /** A struct followed by attributes inside one attribute (VETH_INFO_PEER). */
  | { readonly kind: "message"; readonly message: MessageSpec }
  /** A nest whose children are all `item`s; child types are `itemType` or 1, 2, 3 … when omitted. */
  | { readonly kind: "array"; readonly item: ValueSpec; readonly itemType?: number };

/** A nest whose schema is chosen by the value of the sibling string attribute `selector` (IFLA_INFO_DATA by IFLA_INFO_KIND). */
export interface ByKindSpec {
  readonly kind: "by-kind";
  readonly selector: string;
  readonly table: Readonly<Record<string, Schema>>;
}

export type AttrSpec = (ValueSpec | ByKindSpec) & { readonly name: string; readonly type: number };

/** The attributes of one nesting level, in kernel header order. Names are unique; `unknown` is reserved. */
export type Schema = readonly AttrSpec[];

/** "out": what decoding produces (every struct field present). "in": what encoding accepts (missing fields are 0). */
export type Mode = "in" | "out";

type IntValue<K> = K extends "u64" ? bigint : number;

type ScalarValue<K> =
  K extends IntKind ? IntValue<K>
  : K extends "string" | "mac" ? string
  : K extends "binary" ? Uint8Array
  : K extends "flag" ? boolean
  : K extends "ip" ? IpAddress
  : never;

export type StructOf<T extends StructSpec, M extends Mode = "out"> = M extends "out"
  ? { -readonly [F in T["fields"][number] as F["name"]]: IntValue<F["kind"]> }
  : { -readonly [F in T["fields"][number] as F["name"]]?: IntValue<F["kind"]> };

export type MessageOf<S extends MessageSpec, M extends Mode = "out"> =
  (M extends "out" ? { [K in S["name"]]: StructOf<S["header"], M> } : { [K in S["name"]]?: StructOf<S["header"], M> })
  & { attrs: AttrsOf<S["attrs"], M> };

export type ValueOf<V, M extends Mode = "out"> =
  V extends { readonly kind: "nested"; readonly schema: infer S extends Schema } ? AttrsOf<S, M>
  : V extends { readonly kind: "struct"; readonly struct: infer T extends StructSpec } ? StructOf<T, M>
  : V extends { readonly kind: "message"; readonly message: infer S extends MessageSpec } ? MessageOf<S, M>
  : V extends { readonly kind: "array"; readonly item: infer I } ? ValueOf<I, M>[]
  : V extends { readonly kind: infer K extends ScalarKind } ? ScalarValue<K>
  : never;

type PlainAttrs<S extends Schema, M extends Mode> = {
  -readonly [A in S[number] as A extends ByKindSpec ? never : A["name"]]?: ValueOf<A, M>;
};

/** For one by-kind attribute: `{ selector: "veth", data: VethAttrs } | …`, or no data for kinds without a schema. */
type ByKindPart<A, M extends Mode> = A extends ByKindSpec & { readonly name: infer N extends string }
  ? { [K in keyof A["table"] & string]: { [P in A["selector"]]?: K } & { [P in N]?: AttrsOf<A["table"][K], M> } }[keyof A["table"] & string]
    | { [P in N]?: never }
  : never;

/** The intersection of every by-kind attribute's union (IFLA_LINKINFO has two: data and slaveData). */
type ByKindAttrs<S extends Schema, M extends Mode> =
  [Extract<S[number], ByKindSpec>] extends [never] ? unknown
  : (Extract<S[number], ByKindSpec> extends infer A ? A extends unknown ? (x: ByKindPart<A, M>) => void : never : never) extends
    (x: infer I) => void ? I : never;

/** Plain object for one attribute level; attributes the schema does not know are kept raw, in wire order. */
export type AttrsOf<S extends Schema, M extends Mode = "out"> =
  PlainAttrs<S, M> & ByKindAttrs<S, M> & { unknown?: RawAttr[] };
