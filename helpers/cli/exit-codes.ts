/**
 * The command line's exit codes (a stable contract, README "Command line"). In a file of their
 * own so the subcommands and main.ts both import them without importing each other.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;
