// Type declarations for maestro-ffi: Node.js bindings for Maestro's C ABI.
// The results, inputs and operations are generated from the schemas into ./types.d.ts
// (scripts/gen-types); this file declares the classes and functions over them.

import type {
  CheckpointsApi,
  CheckpointsAsyncApi,
  DecisionsApi,
  DecisionsAsyncApi,
  Event,
  EventFilter,
  EventsApiBase,
  EventsAsyncApiBase,
  LearningApi,
  LearningAsyncApi,
  Options,
  ProjectsApi,
  ProjectsAsyncApi,
  QueuesApi,
  QueuesAsyncApi,
  ReportsApi,
  ReportsAsyncApi,
  SessionsApi,
  SessionsAsyncApi,
  StoreApi,
  StoreAsyncApi,
  TasksApi,
  TasksAsyncApi,
  ThreadsApi,
  ThreadsAsyncApi,
  WorkflowsApi,
  WorkflowsAsyncApi,
} from './types';

export * from './types';

/**
 * A live subscription, pulled by a timer on the JS thread (no library thread calls into
 * JavaScript): closing it, also from inside its callback, never waits, and a worker thread
 * may end with subscriptions open. Without a callback it is an async iterable of events.
 */
export declare class Subscription implements AsyncIterable<Event> {
  private constructor();
  /** True until close() was called. */
  readonly active: boolean;
  /** Stops delivery at once and frees the native subscription; resolves at once. Idempotent. */
  close(): Promise<void>;
  /** Lets the process exit while the subscription is open (it keeps it alive by default). */
  unref(): this;
  ref(): this;
  /** The events in commit order (only without a callback); leaving the loop closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Event>;
}

export interface EventsApi extends EventsApiBase {
  /**
   * Events after `seq` (0: from the beginning) matching `filter`, in commit order, at most
   * `limit` (capped at 100,000 by the library). Sees the writes of every process.
   */
  /** `seq` and `limit` are whole numbers (a safe integer or a BigInt); anything else is MAESTRO_VALIDATION at /seq or /limit, before the library is called. */
  since(seq?: number | bigint, filter?: EventFilter | null, limit?: number): Event[];
  /**
   * Calls `callback` on the JS main thread for every matching event committed from now on:
   * on SQLite, those committed through this handle (poll since() for other handles and
   * processes); on PostgreSQL, those of every handle, process and host.
   */
  subscribe(filter: EventFilter | null | undefined, callback: (event: Event) => void): Subscription;
  subscribe(callback: (event: Event) => void): Subscription;
  /** Without a callback: iterate the events with `for await (const e of subscription)`. */
  subscribe(filter?: EventFilter | null): Subscription;
}

/** The change feed off the JS thread: `since` resolves with the events; `subscribe` is the same as the sync one. */
export interface EventsAsyncApi extends EventsAsyncApiBase {
  /** As EventsApi.since, run off the JS thread; bad arguments reject with MAESTRO_VALIDATION. */
  since(seq?: number | bigint, filter?: EventFilter | null, limit?: number): Promise<Event[]>;
  subscribe(filter: EventFilter | null | undefined, callback: (event: Event) => void): Subscription;
  subscribe(callback: (event: Event) => void): Subscription;
  subscribe(filter?: EventFilter | null): Subscription;
}

/** The koffi-backed library a store was opened with. */
export declare class Library {
  /** Loads the shared library at `file` (prefer `load()`, which loads each path once). */
  constructor(file: string);
  readonly path: string;
  /** Every operation `"<ns>.<verb>"` the library exports. */
  readonly operationNames: readonly string[];
  open(path: string, options?: Options | null): Maestro;
  openAsync(path: string, options?: Options | null): Promise<AsyncMaestro>;
  version(): string;
  abiVersion(): number;
  operations(): string[];
}

/** An open store. */
export declare class Maestro {
  private constructor();
  readonly projects: ProjectsApi;
  readonly workflows: WorkflowsApi;
  readonly sessions: SessionsApi;
  readonly tasks: TasksApi;
  readonly queues: QueuesApi;
  readonly checkpoints: CheckpointsApi;
  readonly decisions: DecisionsApi;
  readonly learning: LearningApi;
  readonly threads: ThreadsApi;
  readonly reports: ReportsApi;
  readonly events: EventsApi;
  readonly store: StoreApi;
  readonly library: Library;
  /** The native `maestro_t *` as a koffi pointer, or null once closed. Do not close it. */
  readonly nativeHandle: unknown;
  readonly closed: boolean;
  /** Calls `op` ("ns.verb") with raw JSON text, or raw bytes (NUL appended if missing). */
  callJson(op: string, text: string | Uint8Array): unknown;
  /** Closes the handle and its subscriptions; idempotent. Later calls throw MAESTRO_NULL_ARGUMENT. */
  close(): void;
}

/**
 * An open store whose calls run off the JS thread (on koffi's worker threads): every
 * method returns a Promise, and a busy database never holds the event loop. Errors reject
 * with a MaestroError carrying the same code, path, entity, id and from/to as a sync call's.
 */
export declare class AsyncMaestro {
  private constructor();
  readonly projects: ProjectsAsyncApi;
  readonly workflows: WorkflowsAsyncApi;
  readonly sessions: SessionsAsyncApi;
  readonly tasks: TasksAsyncApi;
  readonly queues: QueuesAsyncApi;
  readonly checkpoints: CheckpointsAsyncApi;
  readonly decisions: DecisionsAsyncApi;
  readonly learning: LearningAsyncApi;
  readonly threads: ThreadsAsyncApi;
  readonly reports: ReportsAsyncApi;
  readonly events: EventsAsyncApi;
  readonly store: StoreAsyncApi;
  readonly library: Library;
  /** The native `maestro_t *` as a koffi pointer, or null once closed. Do not close it. */
  readonly nativeHandle: unknown;
  readonly closed: boolean;
  /** Calls `op` ("ns.verb") with raw JSON text, or raw bytes (NUL appended if missing). */
  callJson(op: string, text: string | Uint8Array): Promise<unknown>;
  /**
   * Closes the subscriptions at once and the handle once every call already running has
   * settled; later calls reject with MAESTRO_NULL_ARGUMENT. Idempotent.
   */
  close(): Promise<void>;
}

export type StatusName =
  | 'MAESTRO_OK'
  | 'MAESTRO_NULL_ARGUMENT'
  | 'MAESTRO_INVALID_UTF8'
  | 'MAESTRO_INVALID_ARGUMENT'
  | 'MAESTRO_VALIDATION'
  | 'MAESTRO_NOT_FOUND'
  | 'MAESTRO_CONFLICT'
  | 'MAESTRO_BUSY'
  | 'MAESTRO_STORAGE'
  | 'MAESTRO_GIT'
  | 'MAESTRO_IO'
  | 'MAESTRO_INTERNAL'
  | 'MAESTRO_PRUNED'
  | 'MAESTRO_PANIC';

export declare const STATUS: Readonly<Record<StatusName, number>>;
export declare const NAMESPACES: readonly string[];

export declare class MaestroError extends Error {
  constructor(
    status: number,
    message?: string | null,
    path?: string | null,
    operation?: string | null,
    oldestSeq?: number | null,
    about?: { entity?: string | null; id?: string | null; from?: string | null; to?: string | null },
  );
  /** The symbolic status, e.g. 'MAESTRO_NOT_FOUND'. */
  readonly code: StatusName | `MAESTRO_STATUS_${number}`;
  /** The numeric status. */
  readonly status: number;
  /** The JSON pointer of the offending input value (`/labels/1`, `""` for the whole input), the name of the offending parameter, or null. */
  readonly path: string | null;
  /** The operation that failed ("tasks.create", "open", ...), when known. */
  readonly operation: string | null;
  /** For MAESTRO_PRUNED (a read below the feed horizon): the oldest seq from which the feed is complete; resync, then `events.since(oldestSeq - 1)`. Null otherwise. */
  readonly oldestSeq: number | null;
  /** The kind of entity a MAESTRO_NOT_FOUND or MAESTRO_CONFLICT is about ('task'), else null. */
  readonly entity: string | null;
  /** Its id, else null. */
  readonly id: string | null;
  /** For a conflict refusing a change of state: the state the entity is in ('todo'), else null. */
  readonly from: string | null;
  /** For such a conflict: the state asked for ('completed'), else null. */
  readonly to: string | null;
}

export interface OpenSettings {
  /** The libmaestro shared library to use instead of the default one. */
  library?: string;
}

/** Opens (creating if needed) the database at `path`; `":memory:"` for a private in-memory one. */
export declare function open(path: string, options?: Options | null, settings?: OpenSettings): Maestro;
/** Opens the store off the JS thread; its calls return Promises (see AsyncMaestro). */
export declare function openAsync(path: string, options?: Options | null, settings?: OpenSettings): Promise<AsyncMaestro>;
/** Loads (once per path) a libmaestro; without a path, MAESTRO_LIB or target/{release,debug}/libmaestro.so. */
export declare function load(libraryPath?: string): Library;
export declare function defaultLibraryPath(): string;
export declare function version(): string;
export declare function abiVersion(): number;
export declare function operations(): string[];
