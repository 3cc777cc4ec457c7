/** ElastiCache's words for engines, spoken by every layer from the reference data up. */

/** The engines ElastiCache offers. */
export type EngineKind = "redis" | "valkey" | "memcached";

/** ElastiCache's TransitEncryptionMode: `required` is TLS only, `preferred` TLS and plaintext on one port. */
export type TransitEncryptionMode = "preferred" | "required";
