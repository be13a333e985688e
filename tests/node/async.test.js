'use strict';

// The promise API of the Node.js wrapper (openAsync, AsyncMaestro) over the real libmaestro:
// calls run maestro_call on koffi's worker threads, errors come back whole, the JS thread
// keeps running while the store waits, close() waits for the calls in flight.
// Run from the repository root:
//   npm ci --prefix maestro-ffi/node && node --test tests/node/

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');
const { spawn, spawnSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const PKG = path.join(REPO, 'maestro-ffi', 'node');
const maestro = require(PKG);
const koffi = createRequire(path.join(PKG, 'package.json'))('koffi');
const { MaestroError, AsyncMaestro, STATUS } = maestro;

let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maestro-node-async-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function dbPath(name) {
  return path.join(tmp, `${name}.db`);
}

// Awaits `promise`, which must reject with a MaestroError; checks its code, status and
// path and returns it.
async function expectRejection(promise, { code, path: errorPath }) {
  assert.ok(promise instanceof Promise, 'a promise');
  let caught;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected a ${code}`);
  assert.ok(caught instanceof MaestroError, `a MaestroError, got ${caught && caught.stack}`);
  assert.equal(caught.name, 'MaestroError');
  assert.equal(caught.code, code);
  assert.equal(caught.status, STATUS[code]);
  assert.equal(caught.path, errorPath);
  assert.equal(typeof caught.message, 'string');
  assert.ok(caught.message.length > 0);
  return caught;
}

// Every field a MaestroError carries, to compare the async one with the sync one.
function fields(e) {
  const { name, code, status, message, path: p, operation, oldestSeq, entity, id, from, to } = e;
  return { name, code, status, message, path: p, operation, oldestSeq, entity, id, from, to };
}

function syncError(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected the synchronous call to throw');
}

async function asyncError(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the promise to reject');
}

// A worker session of `project` that has registered.
async function worker(m, projectId, name) {
  const s = await m.sessions.spawn({ project_id: projectId, name });
  await m.sessions.register({ id: s.id });
  return s;
}

describe('openAsync and AsyncMaestro', () => {
  test('koffi gives async calls the stack libmaestro needs', () => {
    assert.ok(koffi.config().async_stack_size >= 2 * 1024 * 1024, JSON.stringify(koffi.config()));
  });

  test('project → workflow → task → claim → complete, every call a promise', async () => {
    const opening = maestro.openAsync(dbPath('flow'), { durability: 'normal' });
    assert.ok(opening instanceof Promise);
    const m = await opening;
    try {
      assert.ok(m instanceof AsyncMaestro);
      assert.equal(m.closed, false);
      assert.ok(m.nativeHandle);
      assert.equal(m.library, maestro.load());
      for (const op of maestro.operations()) {
        const [ns, verb] = op.split('.');
        assert.equal(typeof m[ns][verb], 'function', op);
      }
      const created = m.projects.create({ name: 'shop' });
      assert.ok(created instanceof Promise);
      const p = await created;
      assert.match(p.id, /^prj_/);
      assert.equal(p.name, 'shop');
      const wf = await m.workflows.create({ project_id: p.id, feature: 'checkout', model: 'flow' });
      assert.equal(wf.project_id, p.id);
      const schema = await m.tasks.create({ project_id: p.id, workflow_id: wf.id, title: 'DB schema', labels: ['db'] });
      const api = await m.tasks.create({ project_id: p.id, workflow_id: wf.id, title: 'API', depends_on: [schema.id] });
      assert.deepEqual((await m.tasks.ready({ project_id: p.id })).map((t) => t.id), [schema.id]);
      const s = await worker(m, p.id, 'worker-1');
      const claimed = await m.tasks.claim({ session_id: s.id, filter: { labels: ['db'] } });
      assert.equal(claimed.id, schema.id);
      assert.equal(claimed.status, 'in_progress');
      const done = await m.tasks.complete({ id: schema.id, session_id: s.id });
      assert.equal(done.status, 'completed');
      assert.deepEqual((await m.tasks.ready({ project_id: p.id })).map((t) => t.id), [api.id]);
      assert.equal(await m.callJson('tasks.get', JSON.stringify({ id: api.id })).then((t) => t.title), 'API');
      assert.equal((await m.callJson('projects.get', Buffer.from(`{"id": "${p.id}"}`))).name, 'shop');

      // The feed: the same events as the synchronous since(), BigInts welcome.
      const events = await m.events.since();
      assert.ok(events.length >= 6);
      assert.equal(events[0].type, 'project.created');
      assert.deepEqual(await m.events.since(0n, null, 2n), events.slice(0, 2));
      assert.deepEqual(await m.events.since(events[2].seq, { entities: ['task'] }), events.slice(3).filter((e) => e.entity === 'task'));
      assert.deepEqual(await m.events.since(0, null, 2n ** 63n - 1n), events, 'a limit past the cap is the cap');
      assert.deepEqual(await m.callJson('events.since', '{"seq": 0, "limit": 1}'), events.slice(0, 1));
      assert.equal(await m.events.latest_seq(), events[events.length - 1].seq);
      const sync = maestro.open(dbPath('flow'));
      try {
        assert.deepEqual(sync.events.since(0), events);
      } finally {
        sync.close();
      }
    } finally {
      await m.close();
    }
  });

  test('a deeply nested input runs on the async stack without harm', async () => {
    const m = await maestro.openAsync(':memory:');
    try {
      const p = await m.projects.create({ name: 'deep' });
      let metadata = {};
      for (let i = 0; i < 70; i++) metadata = { a: metadata };
      const e = await asyncError(m.tasks.create({ project_id: p.id, title: 't', metadata }));
      assert.ok(e instanceof MaestroError, e && e.stack);
      assert.equal(e.code, 'MAESTRO_VALIDATION');
      assert.match(e.path, /^\/metadata\/a\//);
      assert.equal((await m.tasks.create({ project_id: p.id, title: 'after' })).title, 'after');
    } finally {
      await m.close();
    }
  });
});

describe('errors keep every part', () => {
  let m;
  let sync;
  let projectId;
  before(async () => {
    m = await maestro.openAsync(dbPath('errors'), { durability: 'normal' });
    sync = maestro.open(dbPath('errors'));
    projectId = (await m.projects.create({ name: 'errors' })).id;
  });
  after(async () => {
    sync.close();
    await m.close();
  });

  test('a validation error has its JSON path and operation', async () => {
    const e = await expectRejection(m.tasks.create({ project_id: projectId, title: 't', labels: [''] }), {
      code: 'MAESTRO_VALIDATION',
      path: '/labels/0',
    });
    assert.equal(e.status, 100);
    assert.equal(e.operation, 'tasks.create');
    assert.equal(e.entity, null);
    assert.equal(e.oldestSeq, null);
    assert.ok(e instanceof Error);
    assert.deepEqual(await m.tasks.list({ project_id: projectId }), [], 'nothing written');
  });

  test('a not-found names the entity and the id', async () => {
    const e = await expectRejection(m.tasks.get({ id: 'nope' }), { code: 'MAESTRO_NOT_FOUND', path: null });
    assert.equal(e.status, 101);
    assert.equal(e.entity, 'task');
    assert.equal(e.id, 'nope');
    assert.equal(e.from, null);
    assert.match(e.message, /nope/);
  });

  test('an illegal transition is a conflict with from and to', async () => {
    const t = await m.tasks.create({ project_id: projectId, title: 'T' });
    const e = await expectRejection(m.tasks.transition({ id: t.id, to: 'completed' }), {
      code: 'MAESTRO_CONFLICT',
      path: null,
    });
    assert.equal(e.status, 102);
    assert.equal(e.entity, 'task');
    assert.equal(e.id, t.id);
    assert.equal(e.from, 'todo');
    assert.equal(e.to, 'completed');
    assert.ok(e.message.includes('todo → completed'), e.message);
    assert.equal((await m.tasks.get({ id: t.id })).status, 'todo');
  });

  test('each error is the synchronous one, field for field', async () => {
    const t = await m.tasks.create({ project_id: projectId, title: 'same' });
    const cases = [
      ['tasks', 'create', { project_id: projectId, title: 't', labels: ['ok', 7] }],
      ['tasks', 'create', { project_id: projectId, title: 't', colour: 'red' }],
      ['tasks', 'get', { id: 'nope' }],
      ['tasks', 'get', undefined],
      ['tasks', 'get', [1, 2]],
      ['tasks', 'get', null],
      ['tasks', 'get', 'a string'],
      ['tasks', 'transition', { id: t.id, to: 'completed' }],
      ['projects', 'get_by_name', { name: 'missing' }],
      ['sessions', 'append', { id: 'ses_x', event: { type: 'dance' } }],
    ];
    for (const [ns, verb, input] of cases) {
      const a = await asyncError(m[ns][verb](input));
      const s = syncError(() => sync[ns][verb](input));
      assert.ok(a instanceof MaestroError, `${ns}.${verb}: ${a && a.stack}`);
      assert.deepEqual(fields(a), fields(s), `${ns}.${verb}(${JSON.stringify(input)})`);
    }
    for (const text of ['{"name": ', 'not json at all', '[1, 2]']) {
      const a = await asyncError(m.callJson('projects.create', text));
      assert.deepEqual(fields(a), fields(syncError(() => sync.callJson('projects.create', text))), text);
    }
    const since = [
      [0, { entities: ['nope'] }, 10],
      ['7', null, 10],
      [1.5, null, 10],
      [2n ** 63n, null, 10],
      [-1, null, 10],
      [0, null, -1],
      [0, null, 'all'],
    ];
    for (const args of since) {
      const pending = m.events.since(...args);
      assert.ok(pending instanceof Promise, 'since() rejects, it does not throw');
      const a = await asyncError(pending);
      assert.deepEqual(fields(a), fields(syncError(() => sync.events.since(...args))), String(args));
    }
  });

  test('an input JSON cannot carry rejects with the TypeError the sync call throws', async () => {
    for (const input of [() => 1, { n: 1n }, Symbol('s')]) {
      const pending = m.tasks.get(input);
      assert.ok(pending instanceof Promise);
      await assert.rejects(pending, TypeError);
      assert.throws(() => sync.tasks.get(input), TypeError);
    }
    await assert.rejects(m.callJson('projects.list', 42), TypeError);
    await assert.rejects(m.events.since(0, { seq: 1n }), TypeError);
  });

  test('an unknown operation through callJson is MAESTRO_VALIDATION at op', async () => {
    const e = await expectRejection(m.callJson('nope.nothing', '{}'), { code: 'MAESTRO_VALIDATION', path: 'op' });
    assert.equal(e.operation, 'nope.nothing');
  });

  test('since() below the horizon is MAESTRO_PRUNED with oldestSeq', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'prune-'));
    const pm = await maestro.openAsync(path.join(dir, 'state.db'), { durability: 'normal' });
    try {
      const p = await pm.projects.create({ name: 'retained' });
      const wf = await pm.workflows.create({ project_id: p.id, feature: 'old', model: 'flow' });
      await pm.workflows.fail({ id: wf.id, reason: 'abandoned', actor: 'orchestrator' });
      const policy = { sessions_days: 0, events_days: 0, archive_dir: path.join(dir, 'archive') };
      const report = await pm.store.prune({ policy });
      assert.ok(report.horizon > 0);
      const e = await expectRejection(pm.events.since(0), { code: 'MAESTRO_PRUNED', path: null });
      assert.equal(e.status, 108);
      assert.equal(e.oldestSeq, report.horizon + 1);
      const s = maestro.open(path.join(dir, 'state.db'));
      try {
        assert.deepEqual(fields(e), fields(syncError(() => s.events.since(0))));
      } finally {
        s.close();
      }
    } finally {
      await pm.close();
    }
  });

  test('a failed open rejects with the library error', async () => {
    const missing = dbPath('never-created');
    const e = await expectRejection(maestro.openAsync(missing, { read_only: true }), {
      code: 'MAESTRO_NOT_FOUND',
      path: null,
    });
    assert.equal(e.operation, 'open');
    assert.deepEqual(fields(e), fields(syncError(() => maestro.open(missing, { read_only: true }))));
    assert.equal(fs.existsSync(missing), false);
    const bad = await expectRejection(maestro.openAsync(dbPath('bad-options'), { colour: 'red' }), {
      code: 'MAESTRO_VALIDATION',
      path: '',
    });
    assert.match(bad.message, /colour/);
    await assert.rejects(maestro.openAsync(dbPath('x'), null, { library: path.join(tmp, 'no-such-lib.so') }), /cannot load/);
  });

  test('an open that fails, then succeeds on its second attempt, gives a working store', async () => {
    // The first attempt (the koffi async call) is made to fail; the second (in a Worker)
    // opens for real and hands its handle over.
    const library = maestro.load();
    const realOpen = library.native.open;
    const failing = Object.assign((...args) => realOpen(...args), {
      async: (...args) => args[args.length - 1](null, STATUS.MAESTRO_BUSY),
    });
    library.native.open = failing;
    let second;
    try {
      second = await maestro.openAsync(dbPath('errors'));
    } finally {
      library.native.open = realOpen;
    }
    try {
      assert.equal((await second.projects.get_by_name({ name: 'errors' })).id, projectId);
    } finally {
      await second.close();
    }
  });
});

describe('the JS thread keeps running', () => {
  const python = spawnSync('python3', ['-c', 'import sqlite3'], { stdio: 'ignore' }).status === 0;

  test('an async write waiting for another process\'s lock lets timers tick, then succeeds', { skip: !python && 'needs python3 with sqlite3' }, async () => {
    const file = dbPath('locked');
    const m = await maestro.openAsync(file, { busy_timeout_ms: 10000 });
    try {
      const p = await m.projects.create({ name: 'locked' });
      // Another process takes the write lock and keeps it for a second.
      const holder = spawn('python3', [
        '-c',
        [
          'import sqlite3, sys, time',
          'c = sqlite3.connect(sys.argv[1], isolation_level=None)',
          'c.execute("BEGIN IMMEDIATE")',
          'print("locked", flush=True)',
          'time.sleep(1.0)',
          'c.execute("COMMIT")',
        ].join('\n'),
        file,
      ], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => holder.on('exit', resolve));
      await new Promise((resolve, reject) => {
        holder.stdout.on('data', (d) => String(d).includes('locked') && resolve());
        holder.on('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
      });
      let ticks = 0;
      let settled = false;
      const timer = setInterval(() => {
        if (!settled) ticks++;
      }, 50);
      const started = Date.now();
      try {
        const task = await m.tasks.create({ project_id: p.id, title: 'after the lock' }).finally(() => {
          settled = true;
        });
        const waited = Date.now() - started;
        assert.equal(task.title, 'after the lock');
        assert.ok(waited >= 500, `the write waited for the lock (${waited} ms)`);
        assert.ok(ticks >= 5, `the JS thread ran ${ticks} ticks of 50 ms while the write waited ${waited} ms`);
      } finally {
        clearInterval(timer);
        assert.equal(await exited, 0);
      }
      assert.equal((await m.tasks.list({ project_id: p.id })).length, 1);
    } finally {
      await m.close();
    }
  });
});

describe('close()', () => {
  test('waits for the calls in flight, then later calls reject with MAESTRO_NULL_ARGUMENT', async () => {
    const m = await maestro.openAsync(dbPath('closing'), { durability: 'normal' });
    const p = await m.projects.create({ name: 'closing' });
    const order = [];
    const calls = Array.from({ length: 50 }, (_, i) =>
      m.tasks.create({ project_id: p.id, title: `t${i}` }).then((t) => {
        order.push('call');
        return t;
      }),
    );
    const sub = m.events.subscribe(() => {});
    const closing = m.close();
    assert.ok(closing instanceof Promise);
    assert.equal(m.close(), closing, 'idempotent: the same promise');
    assert.equal(sub.active, false, 'subscriptions close at once');
    assert.equal(m.closed, true);
    assert.equal(m.nativeHandle, null);
    // Made after close(): rejected, never thrown, never run on the handle.
    const lateCall = m.projects.list();
    assert.ok(lateCall instanceof Promise);
    const late = lateCall.then(
      () => assert.fail('a call made after close() resolved'),
      (err) => err,
    );
    closing.then(() => order.push('close'));
    const results = await Promise.allSettled(calls);
    assert.deepEqual(results.map((r) => r.status), Array(50).fill('fulfilled'));
    assert.equal(new Set(results.map((r) => r.value.id)).size, 50);
    await closing;
    assert.deepEqual(order, [...Array(50).fill('call'), 'close'], 'close settled after every call');
    const e = await late;
    assert.ok(e instanceof MaestroError, e && e.stack);
    assert.equal(e.code, 'MAESTRO_NULL_ARGUMENT');
    assert.equal(e.path, 'maestro');
    assert.equal(e.operation, 'projects.list');
    await expectRejection(m.tasks.get({ id: 'x' }), { code: 'MAESTRO_NULL_ARGUMENT', path: 'maestro' });
    await expectRejection(m.events.since(0), { code: 'MAESTRO_NULL_ARGUMENT', path: 'maestro' });
    await expectRejection(m.callJson('projects.list', '{}'), { code: 'MAESTRO_NULL_ARGUMENT', path: 'maestro' });
    assert.throws(() => m.events.subscribe(() => {}), (err) => err instanceof MaestroError && err.code === 'MAESTRO_NULL_ARGUMENT');
    await m.close();
    // Everything the 50 calls wrote is there.
    const sync = maestro.open(dbPath('closing'));
    try {
      assert.equal(sync.tasks.list({ project_id: p.id }).length, 50);
    } finally {
      sync.close();
    }
  });

  test('subscriptions hear the async writes until close()', async () => {
    const m = await maestro.openAsync(':memory:');
    const seen = [];
    const sub = m.events.subscribe({ entities: ['project'] }, (e) => seen.push(e.type));
    await m.projects.create({ name: 'a' });
    await m.projects.create({ name: 'b' });
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, ['project.created', 'project.created']);
    await m.close();
    assert.equal(sub.active, false);
  });
});

describe('many at once', () => {
  test('200 concurrent tasks.create all succeed and list() returns 200', async () => {
    const m = await maestro.openAsync(dbPath('many'), { durability: 'normal' });
    try {
      const p = await m.projects.create({ name: 'many' });
      const tasks = await Promise.all(
        Array.from({ length: 200 }, (_, i) => m.tasks.create({ project_id: p.id, title: `task ${i}` })),
      );
      assert.equal(new Set(tasks.map((t) => t.id)).size, 200);
      const listed = await m.tasks.list({ project_id: p.id });
      assert.equal(listed.length, 200);
      assert.deepEqual(new Set(listed.map((t) => t.title)), new Set(tasks.map((t) => t.title)));
    } finally {
      await m.close();
    }
  });

  test('more promises than koffi queues at once (1000) all settle', async () => {
    const m = await maestro.openAsync(':memory:');
    try {
      const p = await m.projects.create({ name: 'more' });
      const got = await Promise.all(Array.from({ length: 1000 }, () => m.projects.get({ id: p.id })));
      assert.equal(got.length, 1000);
      assert.ok(got.every((x) => x.id === p.id));
    } finally {
      await m.close();
    }
  });
});
