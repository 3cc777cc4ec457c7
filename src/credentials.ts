/** The API credentials the emulator accepts in strict mode (`--credentials`, ELASTICACHE_LOCAL_CREDENTIALS). */
export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  /** Account the key belongs to; the default account when absent. */
  accountId?: string;
}

/** Parses `AKID:SECRET[:ACCOUNT]` entries separated by commas (or whitespace). */
export function parseCredentials(text: string): Credential[] {
  return text
    .split(/[,\s]+/)
    .filter((entry) => entry !== "")
    .map((entry) => {
      const parts = entry.split(":");
      if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
        throw new Error(`expects ACCESS_KEY:SECRET[:ACCOUNT] entries separated by commas, got "${entry.slice(0, 12)}..."`);
      }
      if (parts[2] !== undefined && !/^\d{12}$/.test(parts[2])) throw new Error(`the account of ${parts[0]} must be 12 digits, got "${parts[2]}"`);
      return { accessKeyId: parts[0], secretAccessKey: parts[1], accountId: parts[2] };
    });
}
