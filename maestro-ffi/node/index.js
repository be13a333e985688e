'use strict';

// Node.js bindings for Maestro's C ABI (include/maestro.h), through koffi.
//
// Every operation `<ns>.<verb>` listed by `maestro_operations()` becomes a method
// `maestro.<ns>.<verb>(input = {})`: the input object is JSON-encoded, passed to
// `maestro_<ns>_<verb>`, and the JSON result is decoded, after the library's string has
// been released with `maestro_string_free`. A non-zero status throws a `MaestroError`
// built from the thread's last error (read right after the failing call, on the same
// thread: every call of `Maestro` is synchronous and runs on the JS thread).
//
// `openAsync` gives an `AsyncMaestro`, whose methods return promises: each call runs
// `maestro_call` on a koffi worker thread (`fn.async`), and a failure comes back in the
// call's own output as a JSON error object, since the worker thread's last error cannot
// be read from the JS thread.

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
// The most events one `events.since` returns (maestro_core::MAX_EVENTS_PER_CALL):
// `maestro_events_since` lowers a larger limit to it, the JSON operation refuses one.
const MAX_EVENTS_PER_CALL = 100000;

// koffi runs a native call on a stack block of its own, not the thread's stack; for an
// async call that block is 128 KiB by default, less than libmaestro needs (a debug build
// touches about 520 KiB of the synchronous calls' 1 MiB block in tests/node). Async calls
// get what a Rust thread gets by default, 2 MiB (mapped lazily: only touched pages cost
// memory). koffi accepts this only before its first library is loaded, so it is set when
// this module is first required; openAsync refuses to run on a smaller stack.
const ASYNC_STACK_SIZE = 2 * 1024 * 1024;
try {
  if (koffi.config().async_stack_size < ASYNC_STACK_SIZE) koffi.config({ async_stack_size: ASYNC_STACK_SIZE });
} catch {
  // Another module loaded a library through koffi first: checked in openAsync.
}

// koffi refuses (throws) an async call beyond `max_async_calls` (256 by default, for
// the whole thread) running or queued; libuv's pool runs only UV_THREADPOOL_SIZE (4 by
// default) at once anyway. At most this many are handed to koffi, the rest wait here in
// order, so any number of promises may be pending.
const MAX_DISPATCHED = 32;
let dispatched = 0;
const undispatched = [];

// Runs `fn.async(...args)` (a koffi function) on a worker thread; resolves to its result.
function runAsync(fn, args) {
  return new Promise((resolve, reject) => {
    const start = () => {
      dispatched++;
      const done = () => {
        dispatched--;
        const next = undispatched.shift();
        if (next) next();
      };
      try {
        fn.async(...args, (err, result) => {
          done();
          if (err) reject(err);
          else resolve(result);
        });
      } catch (err) {
        // koffi refused the arguments (a wrong type): nothing was queued.
        done();
        reject(err);
      }
    };
    if (dispatched < MAX_DISPATCHED) start();
    else undispatched.push(start);
  });
}

function checkAsyncStack() {
  const size = koffi.config().async_stack_size;
  if (size < ASYNC_STACK_SIZE) {
    throw new Error(
      `maestro: koffi's async calls have a ${size / 1024} KiB stack, libmaestro needs ` +
        `${ASYNC_STACK_SIZE / 1024} KiB: require('maestro-ffi') before anything else loads a ` +
        `library through koffi, or call koffi.config({ async_stack_size: ${ASYNC_STACK_SIZE} }) first`,
    );
  }
}

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

  /** A MaestroError from the error object `maestro_call` writes on failure (JSON text). */
  errorFromJson(status, text, operation = null) {
    let e = {};
    try {
      if (text != null) e = JSON.parse(text) || {};
    } catch {
      e = { message: text };
    }
    const oldest = status === STATUS.MAESTRO_PRUNED && e.oldest_seq != null ? Number(e.oldest_seq) : null;
    return new MaestroError(status, e.message, e.path, operation, oldest, e);
  }

  /** Opens (creating if needed) the database at `file`; `":memory:"` for a private one. */
  open(file, options = null) {
    const out = [null];
    const opts = options == null ? null : JSON.stringify(options);
    const status = this.native.open(file, opts, out);
    if (status !== 0) throw this.lastError(status, 'open');
    return new Maestro(this, out[0]);
  }

  /**
   * Like open(), off the JS thread: resolves to an AsyncMaestro. maestro_open runs on a
   * koffi worker thread; it has no output to carry its error, and the worker thread's last
   * error cannot be read from here, so a failed open is run once more, synchronously, in a
   * short-lived worker_threads Worker that reads its own thread's last error (opening is
   * idempotent: a failed open wrote nothing). The JS thread never waits on the store, also
   * when opening fails slowly (a busy timeout, a PostgreSQL server that does not answer).
   */
  async openAsync(file, options = null) {
    checkAsyncStack();
    const out = [null];
    const opts = options == null ? null : JSON.stringify(options);
    const status = await runAsync(this.native.open, [file, opts, out]);
    if (status === 0) return new AsyncMaestro(this, out[0]);
    const again = await openInWorker(this.path, file, opts);
    // The second attempt succeeded (the first met a passing condition): keep its handle.
    if (again.address != null) return new AsyncMaestro(this, pointerAt(again.address));
    if (again.error) {
      const e = again.error;
      throw new MaestroError(e.status, e.message, e.path, 'open', e.oldestSeq, e);
    }
    throw new MaestroError(status, `open failed; its error could not be read: ${again.failure}`, null, 'open');
  }

  // maestro_call through koffi, declared on first use (so that a library without it still
  // serves the synchronous API): the input as a string, or as raw bytes.
  asyncCallFunction(bytes) {
    const key = bytes ? 'call_bytes' : 'call';
    if (!this.native[key]) {
      const input = bytes ? 'const uint8_t *' : 'const char *';
      this.native[key] = this.lib.func(
        `uint32_t maestro_call(const maestro_t *maestro, const char *op, ${input} input_json, _Out_ void **json_out)`,
      );
    }
    return this.native[key];
  }

  // Runs operation `op` with its JSON text (a string) or raw bytes through maestro_call on a
  // koffi worker thread; resolves to the decoded result, rejects with a MaestroError.
  async callAsync(handle, op, input) {
    let fn;
    if (typeof input === 'string') {
      fn = this.asyncCallFunction(false);
    } else if (input instanceof Uint8Array) {
      fn = this.asyncCallFunction(true);
      input = bytesWithNul(input);
    } else {
      throw new TypeError('maestro: callJson takes a string or a Buffer/Uint8Array');
    }
    if (typeof op !== 'string') throw new TypeError('maestro: the operation is a string "<namespace>.<verb>"');
    const out = [null];
    const status = await runAsync(fn, [handle, op, input, out]);
    const text = takeString(this.native, out[0]);
    if (status !== 0) throw this.errorFromJson(status, text, op);
    return JSON.parse(text);
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

// The worker of openAsync's second attempt: opens synchronously on its own thread, then
// posts the handle's address, or the MaestroError's parts read from that thread.
const OPEN_WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
let reply;
try {
  const library = require(w.module).load(w.library);
  const out = [null];
  const status = library.native.open(w.file, w.options, out);
  if (status === 0) {
    reply = { address: require(w.koffi).address(out[0]) };
  } else {
    const e = library.lastError(status, 'open');
    reply = { error: { status: e.status, message: e.message, path: e.path, oldestSeq: e.oldestSeq,
      entity: e.entity, id: e.id, from: e.from, to: e.to } };
  }
} catch (err) {
  reply = { failure: String((err && err.message) || err) };
}
parentPort.postMessage(reply);
`;

function openInWorker(library, file, options) {
  const { Worker } = require('node:worker_threads');
  return new Promise((resolve) => {
    let reply = null;
    const worker = new Worker(OPEN_WORKER, {
      eval: true,
      workerData: { module: __filename, koffi: require.resolve('koffi'), library, file, options },
    });
    worker.on('message', (m) => {
      reply = m;
    });
    worker.on('error', (err) => {
      reply = reply || { failure: String((err && err.message) || err) };
    });
    worker.on('exit', (code) => resolve(reply || { failure: `the worker exited with code ${code}` }));
  });
}

// A `maestro_t *` from its address (a BigInt), as koffi types it.
function pointerAt(address) {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(BigInt(address));
  return koffi.decode(buf, koffi.array('maestro_t *', 1))[0];
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

// events.since's seq and limit, checked before koffi converts them (or they are written
// into JSON): a string would be koffi's TypeError, a number past 2^63 would wrap, a
// fraction would be truncated without a word.
function checkSinceArguments(seq, limit) {
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
}

// events.subscribe of both Maestro and AsyncMaestro: `handle` null once closed (then
// maestro_subscription_open fails with MAESTRO_NULL_ARGUMENT, thrown).
function subscribe(library, handle, subscriptions, filter, callback) {
  if (typeof filter === 'function' && callback === undefined) {
    callback = filter;
    filter = null;
  }
  if (callback != null && typeof callback !== 'function') {
    throw new TypeError('maestro: subscribe takes a callback function, or none to iterate with for await');
  }
  const sub = new Subscription(library, handle, filter, callback, (s) => subscriptions.delete(s));
  subscriptions.add(sub);
  return sub;
}

// One namespace object per namespace, one method per operation, defined on `target`:
// `call(op)` makes the method of a generic operation; since and subscribe are given.
function defineNamespaces(target, operationNames, call, since, subscribeFn) {
  const namespaces = {};
  for (const ns of NAMESPACES) namespaces[ns] = {};
  for (const op of operationNames) {
    const [ns, verb] = op.split('.');
    if (!namespaces[ns]) namespaces[ns] = {};
    if (!SPECIAL_OPERATIONS.has(op)) namespaces[ns][verb] = call(op);
  }
  namespaces.events.since = since;
  namespaces.events.subscribe = subscribeFn;
  for (const [ns, methods] of Object.entries(namespaces)) {
    Object.defineProperty(target, ns, { value: Object.freeze(methods), enumerable: true });
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
    defineNamespaces(
      this,
      library.operationNames,
      (op) => (input) => library.callText(this.#handle, op, encodeInput(input)),
      (seq = 0, filter = null, limit = DEFAULT_EVENTS_LIMIT) => this.#since(seq, filter, limit),
      (filter, callback) => this.#subscribe(filter, callback),
    );
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
    checkSinceArguments(seq, limit);
    const out = [null];
    const filterJson = filter == null ? null : JSON.stringify(filter);
    const status = this.#library.native.events_since(this.#handle, seq, filterJson, limit, out);
    if (status !== 0) throw this.#library.lastError(status, 'events.since');
    return JSON.parse(takeString(this.#library.native, out[0]));
  }

  #subscribe(filter, callback) {
    return subscribe(this.#library, this.#handle, this.#subscriptions, filter, callback);
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

/**
 * An open store like Maestro whose calls return promises and never block the JS thread:
 * each runs `maestro_call` on a koffi worker thread (libuv's pool), so calls made together
 * run concurrently. Errors are MaestroError rejections with every field of the synchronous
 * ones. close() waits for the calls already made to settle before freeing the native handle.
 */
class AsyncMaestro {
  #library;
  #handle;
  #subscriptions = new Set();
  #inFlight = 0;
  #closing = null; // the promise close() returns, once called
  #idle = null; // resolves #closing's wait when the last call in flight settles

  constructor(library, handle) {
    this.#library = library;
    this.#handle = handle;
    defineNamespaces(
      this,
      library.operationNames,
      (op) => (input) => {
        let text;
        try {
          text = encodeInput(input);
        } catch (err) {
          return Promise.reject(err);
        }
        return this.#run(op, text);
      },
      (seq = 0, filter = null, limit = DEFAULT_EVENTS_LIMIT) => this.#since(seq, filter, limit),
      (filter, callback) => subscribe(this.#library, this.#live(), this.#subscriptions, filter, callback),
    );
  }

  // The handle for a new call: null once close() was called (the library then answers
  // MAESTRO_NULL_ARGUMENT, as the synchronous Maestro does after close).
  #live() {
    return this.#closing ? null : this.#handle;
  }

  #run(op, input) {
    const handle = this.#live();
    if (handle == null) return this.#library.callAsync(null, op, input);
    this.#inFlight++;
    return this.#library.callAsync(handle, op, input).finally(() => {
      this.#inFlight--;
      if (this.#inFlight === 0 && this.#idle) this.#idle();
    });
  }

  #since(seq, filter, limit) {
    let text;
    try {
      checkSinceArguments(seq, limit);
      // Written by hand: a BigInt seq is a JSON integer, which JSON.stringify refuses.
      const capped = BigInt(limit) > BigInt(MAX_EVENTS_PER_CALL) ? MAX_EVENTS_PER_CALL : limit;
      let filterJson = '';
      if (filter != null) {
        const f = JSON.stringify(filter);
        if (f === undefined) throw new TypeError('maestro: the filter is not JSON-serialisable');
        filterJson = `,"filter":${f}`;
      }
      text = `{"seq":${seq}${filterJson},"limit":${capped}}`;
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#run('events.since', text);
  }

  /** The library this store was opened with. */
  get library() {
    return this.#library;
  }

  /** The native `maestro_t *` (a koffi pointer), or null once close() was called. Do not close it. */
  get nativeHandle() {
    return this.#live();
  }

  /** True once close() was called (new calls reject with MAESTRO_NULL_ARGUMENT). */
  get closed() {
    return this.#live() == null;
  }

  /**
   * Calls operation `op` ("ns.verb", any of maestro_operations, also "events.since" with its
   * JSON input) with raw JSON text (a string) or raw bytes (a Buffer or Uint8Array); resolves
   * to the decoded result.
   */
  callJson(op, text) {
    return this.#run(op, text);
  }

  /**
   * Closes the subscriptions made through it at once, makes every later call reject with
   * MAESTRO_NULL_ARGUMENT, and frees the native handle (off the JS thread) once every call
   * already made has settled. Idempotent: every call returns the same promise.
   */
  close() {
    if (!this.#closing) {
      for (const sub of [...this.#subscriptions]) sub.close();
      const idle = new Promise((resolve) => {
        this.#idle = resolve;
        if (this.#inFlight === 0) resolve();
      });
      this.#closing = idle.then(async () => {
        const handle = this.#handle;
        this.#handle = null;
        if (handle != null) await runAsync(this.#library.native.close, [handle]);
      });
    }
    return this.#closing;
  }
}

module.exports = {
  open(file, options = null, settings = {}) {
    return load(settings && settings.library).open(file, options);
  },
  /** Like open(), off the JS thread: resolves to an AsyncMaestro. */
  async openAsync(file, options = null, settings = {}) {
    return load(settings && settings.library).openAsync(file, options);
  },
  load,
  defaultLibraryPath,
  version: () => load().version(),
  abiVersion: () => load().abiVersion(),
  operations: () => load().operations(),
  MaestroError,
  Maestro,
  AsyncMaestro,
  Subscription,
  Library,
  STATUS,
  NAMESPACES,
};
