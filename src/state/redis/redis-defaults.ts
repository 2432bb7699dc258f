/**
 * Time limits of the gateway's Redis connections. All of them exist so a
 * dead or moving Redis never stalls a request: a call that cannot be served
 * in time fails with StoreUnavailable and the gateway answers from local
 * state (docs/cluster.md, "When Redis fails").
 */

/** A Redis command that takes longer than this fails; the gateway answers from local state instead. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect delay grows to this ceiling and stays there, forever. */
export const REDIS_RECONNECT_MAX_MS = 2_000;

/**
 * Cluster: how many times a command follows MOVED/ASK or retries a
 * "cluster down"/"try again"/lost-connection reply, waiting
 * REDIS_CLUSTER_RETRY_DELAY_MS between the latter. 4 × 100 ms keeps a
 * command under the command timeout's order while slots move or a node is
 * lost; past it the call fails and the gateway serves from local state.
 */
export const REDIS_CLUSTER_MAX_REDIRECTIONS = 4;
export const REDIS_CLUSTER_RETRY_DELAY_MS = 100;

/**
 * After a failed command, or a cluster node reporting an error, the store
 * counts as unreachable and is probed this often (PING; on a cluster also
 * CLUSTER INFO and a PING to every master) until it answers; then workers
 * write back the sessions it may have lost.
 */
export const REDIS_HEALTH_PROBE_INTERVAL_MS = 500;

/** A (sharded) subscription that failed, e.g. while its cluster node was away, is asked for again this often. */
export const REDIS_SUBSCRIBE_RETRY_MS = 1_000;
