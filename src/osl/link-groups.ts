// IFLA_GROUP values dnet marks its own links with: what survives a restart of "dnet made this link".

/**
 * Links dnet created and deletes again with their network (bridges, VLAN sub-interfaces and dummy parents).
 * A link of the same name without this group was there before: dnet uses it and leaves it in place.
 */
export const DNET_OWNED_GROUP = 0x646e6574; // "dnet"

/** Links waiting to be destroyed in one batch, off the request path (deleting one costs ~17 ms). */
export const DNET_TRASH_GROUP = 0x646e7478; // "dntx"
