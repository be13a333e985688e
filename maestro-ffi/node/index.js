'use strict';

// Node.js bindings for Maestro's C ABI (include/maestro.h), through koffi.
//
// Every operation `<ns>.<verb>` listed by `maestro_operations()` becomes a method
// `maestro.<ns>.<verb>(input = {})`: the input object is JSON-encoded, passed to
// `maestro_<ns>_<verb>`, and the JSON result is decoded, after the library's string has
// been released with `maestro_string_free`. A non-zero status throws a `MaestroError`
// built from the thread's last error (read right after the failing call, on the same
// thread: every call here is synchronous and runs on the JS main thread).

const fs = require('fs');
const path = require('path');
const koffi = require('koffi');

/** Status codes of `maestro_status_t` (name → number), as in include/maestro.h. */
const STATUS = Object.freeze({
  MAESTRO_OK: 0,
  MAESTRO_NULL_ARGUMENT: 1,
  MAESTRO_INVALID_UTF8: 2,
  MAESTRO_INVALID_ARGUMENT: 3,
  MAESTRO_VALIDATION: 100,
  MAESTRO_NOT_FOUND: 101,
  MAESTRO_CONFLICT: 102,
  MAESTRO_BUSY: 103,
  MAESTRO_STORAGE: 104,
  MAESTRO_GIT: 105,
  MAESTRO_IO: 106,
  MAESTRO_INTERNAL: 107,
  MAESTRO_PRUNED: 108,
  MAESTRO_PANIC: 200,
});

const STATUS_NAMES = new Map(Object.entries(STATUS).map(([name, n]) => [n, name]));

/** The namespaces of the C ABI, in the header's order of appearance in the spec. */
const NAMESPACES = Object.freeze([
  'projects',
  'workflows',
  'sessions',
  'tasks',
  'queues',
  'checkpoints',
  'decisions',
  'learning',
  'threads',
  'reports',
  'events',
  'store',
]);

// Operations whose C function does not have the generic
// `(const maestro_t *, const char *input_json, char **json_out)` signature.
const SPECIAL_OPERATIONS = new Set(['events.since', 'events.subscribe']);

// The default limit of `events.since`, the same as the JSON operation's.
const DEFAULT_EVENTS_LIMIT = 1000;

/** A failed call: `status` is the number, `code` its name (`'MAESTRO_NOT_FOUND'`). */
class MaestroError extends Error {
  constructor(status, message, errorPath = null, operation = null, oldestSeq = null, about = {}) {
    const code = STATUS_NAMES.get(status) || `MAESTRO_STATUS_${status}`;
    super(message == null || message === '' ? code : message);
    this.name = 'MaestroError';
    this.code = code;
    this.status = status;
    this.path = errorPath == null ? null : errorPath;
    this.operation = operation;
    this.oldestSeq = oldestSeq;
    this.entity = about.entity == null ? null : about.entity;
    this.id = about.id == null ? null : about.id;
    this.from = about.from == null ? null : about.from;
    this.to = about.to == null ? null : about.to;
  }
}

// koffi types are registered process-wide by name: declare them once.
const maestro_t = koffi.opaque('maestro_t');
const maestro_subscription_t = koffi.opaque('maestro_subscription_t');

/** The library the module uses when none is given: MAESTRO_LIB, else target/{release,debug}. */
function defaultLibraryPath() {
  if (process.env.MAESTRO_LIB) return process.env.MAESTRO_LIB;
  const repo = path.resolve(__dirname, '..', '..');
  const candidates = [
    path.join(repo, 'target', 'release', 'libmaestro.so'),
    path.join(repo, 'target', 'debug', 'libmaestro.so'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `libmaestro not found: set MAESTRO_LIB or build it (looked for ${candidates.join(', ')})`,
    );
  }
  return found;
}

// Decodes a `char *` returned by the library through an out-pointer, then frees it with
// maestro_string_free (also when decoding throws). NULL decodes to null.
function takeString(native, ptr) {
  if (ptr == null) return null;
  try {
    return koffi.decode(ptr, 'char', -1);
  } finally {
    native.string_free(ptr);
  }
}

function encodeInput(input) {
  if (input === undefined) input = {};
  const text = JSON.stringify(input);
  if (text === undefined) throw new TypeError('maestro: the input is not JSON-serialisable');
  return text;
}

function bytesWithNul(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.length > 0 && buf[buf.length - 1] === 0 ? buf : Buffer.concat([buf, Buffer.from([0])]);
}

/** A loaded libmaestro: its functions, the operation table, and `open`. */
class Library {
  constructor(file) {
    this.path = path.resolve(file);
    let lib;
    try {
      lib = koffi.load(this.path);
    } catch (err) {
      throw new Error(`maestro: cannot load ${this.path}: ${err.message}`, { cause: err });
    }
    this.lib = lib;
    const native = {
      last_error_code: lib.func('uint32_t maestro_last_error_code(void)'),
      last_error_message: lib.func('const char *maestro_last_error_message(void)'),
      last_error_path: lib.func('const char *maestro_last_error_path(void)'),
      last_error_oldest_seq: lib.func('int64_t maestro_last_error_oldest_seq(void)'),
      last_error_entity: lib.func('const char *maestro_last_error_entity(void)'),
      last_error_id: lib.func('const char *maestro_last_error_id(void)'),
      last_error_from: lib.func('const char *maestro_last_error_from(void)'),
      last_error_to: lib.func('const char *maestro_last_error_to(void)'),
      clear_error: lib.func('void maestro_clear_error(void)'),
      open: lib.func(
        'uint32_t maestro_open(const char *path, const char *options_json, _Out_ maestro_t **maestro_out)',
      ),
      close: lib.func('void maestro_close(maestro_t *maestro)'),
      operations: lib.func('uint32_t maestro_operations(_Out_ void **json_out)'),
      string_free: lib.func('void maestro_string_free(void *s)'),
      events_since: lib.func(
        'uint32_t maestro_events_since(const maestro_t *maestro, int64_t seq, const char *filter_json, size_t limit, _Out_ void **json_out)',
      ),
      subscription_free: lib.func('uint32_t maestro_subscription_free(maestro_subscription_t *subscription)'),
      subscription_open: lib.func(
        'uint32_t maestro_subscription_open(const maestro_t *maestro, const char *filter_json, _Out_ maestro_subscription_t **subscription_out)',
      ),
      subscription_next: lib.func(
        'uint32_t maestro_subscription_next(const maestro_subscription_t *subscription, uint32_t timeout_ms, _Out_ void **json_out)',
      ),
      version: lib.func('const char *maestro_version(void)'),
      abi_version: lib.func('uint32_t maestro_abi_version(void)'),
    };
    this.native = native;

    const out = [null];
    const status = native.operations(out);
    if (status !== 0) throw this.lastError(status, 'operations');
    /** Every operation `"<ns>.<verb>"` the library exports, in its order. */
    this.operationNames = Object.freeze(JSON.parse(takeString(native, out[0])));

    // One koffi function per generic operation; the input as a string (text variant).
    this.functions = new Map();
    this.byteFunctions = new Map(); // lazily: the same C functions taking raw bytes
    for (const op of this.operationNames) {
      if (SPECIAL_OPERATIONS.has(op)) continue;
      this.functions.set(op, lib.func(this.prototypeOf(op, 'const char *')));
    }
  }

  prototypeOf(op, inputType) {
    const [ns, verb] = op.split('.');
    return `uint32_t maestro_${ns}_${verb}(const maestro_t *maestro, ${inputType} input_json, _Out_ void **json_out)`;
  }

  /** The thread's last error as a MaestroError (call right after the failing call). */
  lastError(status, operation = null) {
    const message = this.native.last_error_message();
    const errorPath = this.native.last_error_path();
    const oldest = status === STATUS.MAESTRO_PRUNED ? Number(this.native.last_error_oldest_seq()) : null;
    const about = {
      entity: this.native.last_error_entity(),
      id: this.native.last_error_id(),
      from: this.native.last_error_from(),
      to: this.native.last_error_to(),
    };
    return new MaestroError(status, message, errorPath, operation, oldest, about);
  }

  version() {
    return this.native.version();
  }

  abiVersion() {
    return this.native.abi_version();
  }

  operations() {
    return [...this.operationNames];
  }

  /** Opens (creating if needed) the database at `file`; `":memory:"` for a private one. */
  open(file, options = null) {
    const out = [null];
    const opts = options == null ? null : JSON.stringify(options);
    const status = this.native.open(file, opts, out);
    if (status !== 0) throw this.lastError(status, 'open');
    return new Maestro(this, out[0]);
  }

  // Calls a generic operation with its JSON text (string) or raw bytes (Buffer/Uint8Array,
  // NUL-terminated here if needed), and returns the decoded result.
  callText(handle, op, input) {
    let fn;
    if (typeof input === 'string') {
      fn = this.functions.get(op);
    } else if (input instanceof Uint8Array) {
      if (!this.functions.has(op)) fn = undefined;
      else {
        fn = this.byteFunctions.get(op);
        if (!fn) {
          fn = this.lib.func(this.prototypeOf(op, 'const uint8_t *'));
          this.byteFunctions.set(op, fn);
        }
      }
      input = bytesWithNul(input);
    } else {
      throw new TypeError('maestro: callJson takes a string or a Buffer/Uint8Array');
    }
    if (!fn) throw new TypeError(`maestro: ${op} is not a generic operation of this library`);
    const out = [null];
    const status = fn(handle, input, out);
    if (status !== 0) throw this.lastError(status, op);
    return JSON.parse(takeString(this.native, out[0]));
  }
}

const libraries = new Map();

/** Loads (once per resolved path) the library at `file`, or the default one. */
function load(file) {
  const resolved = path.resolve(file == null ? defaultLibraryPath() : file);
  let lib = libraries.get(resolved);
  if (!lib) {
    lib = new Library(resolved);
    libraries.set(resolved, lib);
  }
  return lib;
}

// Subscriptions not closed yet, process-wide, closed when the event loop runs dry (only
// possible after unref()), so their native memory is released before the process exits.
const liveSubscriptions = new Set();
let beforeExitInstalled = false;

function closeLiveSubscriptions() {
  for (const sub of [...liveSubscriptions]) sub.close().catch(() => {});
}

// How often an open subscription looks for new events, and how many it delivers per look.
const POLL_MS = 5;
const BATCH = 1000;

/**
 * A live subscription, pulled: a timer on the JS thread takes the committed events from the
 * library (`maestro_subscription_next` without waiting) and hands them, in commit order, to
 * the callback, or to a `for await` loop when there is no callback. No library thread ever
 * calls into JavaScript, so close() never waits for one, closing from inside the callback is
 * safe, and a worker thread may end (terminate(), process.exit()) with subscriptions open.
 */
class Subscription {
  #library;
  #pointer;
  #callback;
  #active = true;
  #timer;
  #onClose;
  #queue = [];
  #waiting = [];
  #error = null;

  constructor(library, owner, filter, callback, onClose = null) {
    this.#library = library;
    this.#callback = callback;
    this.#onClose = onClose;
    const out = [null];
    const filterJson = filter == null ? null : JSON.stringify(filter);
    const status = library.native.subscription_open(owner, filterJson, out);
    if (status !== 0) throw library.lastError(status, 'events.subscribe');
    this.#pointer = out[0];
    liveSubscriptions.add(this);
    if (!beforeExitInstalled) {
      beforeExitInstalled = true;
      process.on('beforeExit', closeLiveSubscriptions);
    }
    // Like a socket, an open subscription keeps the process alive; unref() opts out.
    this.#timer = setInterval(() => this.#drain(), POLL_MS);
  }

  #drain() {
    const native = this.#library.native;
    for (let n = 0; n < BATCH && this.#active; n++) {
      const out = [null];
      const status = native.subscription_next(this.#pointer, 0, out);
      if (status !== 0) {
        // The store was closed under it: no event will come.
        this.#error = this.#library.lastError(status, 'events.subscribe');
        this.close();
        return;
      }
      if (out[0] == null) return;
      const event = JSON.parse(takeString(native, out[0]));
      if (this.#callback) {
        try {
          this.#callback(event);
        } catch (err) {
          // Surface it as an uncaught exception, as an EventEmitter listener's would be.
          process.nextTick(() => {
            throw err;
          });
        }
      } else if (this.#waiting.length > 0) {
        this.#waiting.shift().resolve({ value: event, done: false });
      } else {
        this.#queue.push(event);
      }
    }
  }

  /** True until close() was called. */
  get active() {
    return this.#active;
  }

  /** Lets the process exit while the subscription is open. */
  unref() {
    if (this.#timer) this.#timer.unref();
    return this;
  }

  ref() {
    if (this.#timer) this.#timer.ref();
    return this;
  }

  /**
   * Stops delivery and frees the native subscription at once (nothing to wait for: no
   * library thread delivers); the callback is not called again. Safe inside the callback.
   * Returns a resolved promise. Idempotent.
   */
  close() {
    if (this.#active) {
      this.#active = false;
      liveSubscriptions.delete(this);
      if (this.#onClose) this.#onClose(this);
      clearInterval(this.#timer);
      this.#timer = null;
      const pointer = this.#pointer;
      this.#pointer = null;
      this.#library.native.subscription_free(pointer);
      for (const w of this.#waiting.splice(0)) {
        if (this.#error) w.reject(this.#error);
        else w.resolve({ value: undefined, done: true });
      }
    }
    return Promise.resolve();
  }

  /** The events, in commit order, for `for await`; leaving the loop closes the subscription. */
  [Symbol.asyncIterator]() {
    if (this.#callback) throw new TypeError('maestro: a subscription with a callback is not iterable');
    return {
      next: () => {
        if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift(), done: false });
        if (!this.#active) {
          return this.#error ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/**
 * An open store, with one namespace object per namespace of the C ABI and one method per
 * operation. Use it from the JS thread that opened it; close() it when done (there is no
 * finalizer: a dropped, unclosed store keeps its native handle until the process ends).
 */
class Maestro {
  #library;
  #handle;
  #subscriptions = new Set();

  constructor(library, handle) {
    this.#library = library;
    this.#handle = handle;
    const call = (op) => (input) => library.callText(this.#handle, op, encodeInput(input));
    const namespaces = {};
    for (const ns of NAMESPACES) namespaces[ns] = {};
    for (const op of library.operationNames) {
      const [ns, verb] = op.split('.');
      if (!namespaces[ns]) namespaces[ns] = {};
      if (!SPECIAL_OPERATIONS.has(op)) namespaces[ns][verb] = call(op);
    }
    namespaces.events.since = (seq = 0, filter = null, limit = DEFAULT_EVENTS_LIMIT) =>
      this.#since(seq, filter, limit);
    namespaces.events.subscribe = (filter, callback) => this.#subscribe(filter, callback);
    for (const [ns, methods] of Object.entries(namespaces)) {
      Object.defineProperty(this, ns, { value: Object.freeze(methods), enumerable: true });
    }
  }

  /** The library this store was opened with. */
  get library() {
    return this.#library;
  }

  /** The native `maestro_t *` (a koffi pointer), or null once closed. Do not close it. */
  get nativeHandle() {
    return this.#handle;
  }

  /** True until close(). */
  get closed() {
    return this.#handle == null;
  }

  /**
   * Calls operation `op` ("ns.verb") with raw JSON text (a string) or raw bytes (a Buffer
   * or Uint8Array, passed as they are plus a terminating NUL) and returns the decoded result.
   */
  callJson(op, text) {
    return this.#library.callText(this.#handle, op, text);
  }

  #since(seq, filter, limit) {
    // Checked here, before koffi converts them: a string would be koffi's TypeError, a
    // number past 2^63 would wrap, a fraction would be truncated without a word.
    const whole = (name, v, min) => {
      const ok = (typeof v === 'number' && Number.isSafeInteger(v)) || typeof v === 'bigint';
      if (!ok || v < min || BigInt(v) > 2n ** 63n - 1n) {
        const what = typeof v === 'number' ? String(v) : `a ${typeof v}`;
        throw new MaestroError(
          STATUS.MAESTRO_VALIDATION,
          `${name} must be a whole number from ${min} to 2^63 - 1 (a safe integer or a BigInt), got ${what}`,
          `/${name}`,
          'events.since',
        );
      }
    };
    whole('seq', seq, 0);
    whole('limit', limit, 0);
    const out = [null];
    const filterJson = filter == null ? null : JSON.stringify(filter);
    const status = this.#library.native.events_since(this.#handle, seq, filterJson, limit, out);
    if (status !== 0) throw this.#library.lastError(status, 'events.since');
    return JSON.parse(takeString(this.#library.native, out[0]));
  }

  #subscribe(filter, callback) {
    if (typeof filter === 'function' && callback === undefined) {
      callback = filter;
      filter = null;
    }
    if (callback != null && typeof callback !== 'function') {
      throw new TypeError('maestro: subscribe takes a callback function, or none to iterate with for await');
    }
    const sub = new Subscription(this.#library, this.#handle, filter, callback, (s) =>
      this.#subscriptions.delete(s),
    );
    this.#subscriptions.add(sub);
    return sub;
  }

  /**
   * Closes the handle (idempotent) and the subscriptions made through it (their native
   * teardown finishes in the background). Later calls fail with MAESTRO_NULL_ARGUMENT.
   */
  close() {
    for (const sub of [...this.#subscriptions]) sub.close();
    const handle = this.#handle;
    this.#handle = null;
    if (handle != null) this.#library.native.close(handle);
  }
}

module.exports = {
  open(file, options = null, settings = {}) {
    return load(settings && settings.library).open(file, options);
  },
  load,
  defaultLibraryPath,
  version: () => load().version(),
  abiVersion: () => load().abiVersion(),
  operations: () => load().operations(),
  MaestroError,
  Maestro,
  Subscription,
  Library,
  STATUS,
  NAMESPACES,
};
