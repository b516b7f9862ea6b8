declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of dynalite (see its readme). */
  interface DynaliteOptions {
    /** How long new tables stay CREATING, in ms; default 500. */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }

  /** An in-memory DynamoDB-compatible HTTP server (not yet listening). */
  export default function dynalite(options?: DynaliteOptions): Server;
}
