'use strict';

// The Node.js wrapper (maestro-ffi/node) over the real libmaestro and a real database file.
// Run from the repository root:
//   npm ci --prefix maestro-ffi/node && node --test tests/node/

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');
const { spawnSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const PKG = path.join(REPO, 'maestro-ffi', 'node');
const maestro = require(PKG);
const koffi = createRequire(path.join(PKG, 'package.json'))('koffi');
const { MaestroError, STATUS } = maestro;

// ---------------------------------------------------------------------------
// The header, parsed

const HEADER = fs.readFileSync(path.join(REPO, 'include', 'maestro.h'), 'utf8');

function headerDefine(name) {
  const m = HEADER.match(new RegExp(`^#define ${name} (.+)$`, 'm'));
  assert.ok(m, `#define ${name} in maestro.h`);
  return m[1].trim();
}

// Every `MAESTRO_X = n` of enum maestro_status_t.
function headerStatuses() {
  const body = HEADER.match(/enum maestro_status_t[\s\S]*?\{([\s\S]*?)\};/);
  assert.ok(body, 'enum maestro_status_t in maestro.h');
  const out = {};
  for (const m of body[1].matchAll(/^\s*(MAESTRO_[A-Z0-9_]+)\s*=\s*(\d+)\s*,/gm)) out[m[1]] = Number(m[2]);
  return out;
}

// Every function declared in the header: name → normalised parameter list.
function headerFunctions() {
  const out = new Map();
  const re = /^(?:maestro_status_t|void|uint32_t|int64_t|const char \*)\s*\*?(maestro_\w+)\(([^)]*)\);/gm;
  for (const m of HEADER.matchAll(re)) out.set(m[1], m[2].replace(/\s+/g, ' ').trim());
  return out;
}

const GENERIC_PARAMS = 'const struct maestro_t *maestro, const char *input_json, char **json_out';

// Functions of the header that are not operations.
const NON_OPERATION_FUNCTIONS = new Set([
  'maestro_last_error_code',
  'maestro_last_error_message',
  'maestro_last_error_path',
  'maestro_last_error_oldest_seq',
  'maestro_last_error_entity',
  'maestro_last_error_id',
  'maestro_last_error_from',
  'maestro_last_error_to',
  'maestro_clear_error',
  'maestro_open',
  'maestro_close',
  'maestro_operations',
  'maestro_string_free',
  'maestro_subscription_free',
  'maestro_subscription_open',
  'maestro_subscription_next',
  'maestro_version',
  'maestro_abi_version',
  'maestro_call',
]);

// ---------------------------------------------------------------------------
// Helpers

let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maestro-node-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function dbPath(name) {
  return path.join(tmp, `${name}.db`);
}

// Runs `fn`, which must throw a MaestroError; checks its code, status and path and returns it.
function expectError(fn, { code, path: errorPath }) {
  let caught;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected a ${code}`);
  assert.ok(caught instanceof MaestroError, `a MaestroError, got ${caught && caught.stack}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'MaestroError');
  assert.equal(caught.code, code);
  assert.equal(caught.status, STATUS[code]);
  assert.equal(caught.path, errorPath);
  assert.equal(typeof caught.message, 'string');
  assert.ok(caught.message.length > 0);
  return caught;
}

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolves like `promise`, or rejects when it has not settled within `ms`.
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------

describe('library', () => {
  test('version() and abiVersion() match the header', () => {
    const header = JSON.parse(headerDefine('MAESTRO_VERSION_STRING'));
    assert.match(header, /^\d+\.\d+\.\d+/);
    assert.equal(maestro.version(), header);
    const parts = ['MAJOR', 'MINOR', 'PATCH'].map((p) => headerDefine(`MAESTRO_VERSION_${p}`));
    assert.equal(maestro.version(), parts.join('.'));
    assert.equal(maestro.abiVersion(), Number(headerDefine('MAESTRO_ABI_VERSION')));
  });

  test('STATUS is the header enum, name for name and number for number', () => {
    const header = headerStatuses();
    assert.equal(Object.keys(header).length, 14);
    assert.deepEqual({ ...STATUS }, header);
  });

  test('the default library is MAESTRO_LIB or target/{release,debug}/libmaestro.so', () => {
    const file = maestro.defaultLibraryPath();
    if (process.env.MAESTRO_LIB) assert.equal(file, process.env.MAESTRO_LIB);
    else {
      assert.ok(
        [path.join(REPO, 'target', 'release', 'libmaestro.so'), path.join(REPO, 'target', 'debug', 'libmaestro.so')].includes(file),
        file,
      );
    }
    assert.ok(fs.existsSync(file));
    // A library given by path is loaded once and used by open().
    const lib = maestro.load(file);
    assert.equal(maestro.load(file), lib);
    const db = maestro.open(':memory:', null, { library: file });
    try {
      assert.equal(db.library, lib);
      assert.deepEqual(db.projects.list(), []);
    } finally {
      db.close();
    }
  });

  test('a library path that does not exist fails to load', () => {
    assert.throws(() => maestro.open(':memory:', null, { library: path.join(tmp, 'nope.so') }), /nope\.so/);
  });
});

describe('parity with maestro_operations() and the header', () => {
  const ops = maestro.operations();
  const fns = headerFunctions();

  test('every operation is a function on its namespace, and nothing else is', () => {
    assert.ok(ops.length >= 80, `only ${ops.length} operations`);
    assert.equal(new Set(ops).size, ops.length, 'duplicate operation names');
    const db = maestro.open(':memory:');
    try {
      const byNs = {};
      for (const op of ops) {
        const [ns, verb, ...rest] = op.split('.');
        assert.deepEqual(rest, [], op);
        assert.ok(maestro.NAMESPACES.includes(ns), `unknown namespace in ${op}`);
        assert.equal(typeof db[ns][verb], 'function', `maestro.${ns}.${verb}`);
        (byNs[ns] = byNs[ns] || []).push(verb);
      }
      assert.deepEqual(Object.keys(byNs).sort(), [...maestro.NAMESPACES].sort());
      for (const ns of maestro.NAMESPACES) {
        assert.deepEqual(Object.keys(db[ns]).sort(), byNs[ns].sort(), `methods of ${ns}`);
      }
      // snake_case verbs, no camelCase aliases
      assert.equal(typeof db.projects.get_by_name, 'function');
      assert.equal(db.projects.getByName, undefined);
      assert.equal(typeof db.decisions.record_outcome, 'function');
      assert.equal(db.decisions.recordOutcome, undefined);
    } finally {
      db.close();
    }
  });

  test('every maestro_<ns>_<verb> of the header is an operation, and every operation is in the header', () => {
    const opFunctions = new Map(ops.map((op) => [`maestro_${op.replace('.', '_')}`, op]));
    for (const name of fns.keys()) {
      assert.ok(
        opFunctions.has(name) || NON_OPERATION_FUNCTIONS.has(name),
        `${name} is declared in maestro.h but is neither an operation nor a known non-operation function`,
      );
    }
    for (const name of opFunctions.keys()) assert.ok(fns.has(name), `${name} is not declared in maestro.h`);
    for (const name of NON_OPERATION_FUNCTIONS) assert.ok(fns.has(name), `${name} is not declared in maestro.h`);
    assert.equal(fns.size, opFunctions.size + NON_OPERATION_FUNCTIONS.size);
  });

  test('all operations but events.since and events.subscribe have the generic signature', () => {
    const special = [];
    for (const op of ops) {
      const params = fns.get(`maestro_${op.replace('.', '_')}`);
      if (params !== GENERIC_PARAMS) special.push(op);
    }
    assert.deepEqual(special.sort(), ['events.since', 'events.subscribe']);
    assert.equal(
      fns.get('maestro_events_since'),
      'const struct maestro_t *maestro, int64_t seq, const char *filter_json, size_t limit, char **json_out',
    );
    assert.equal(
      fns.get('maestro_events_subscribe'),
      'const struct maestro_t *maestro, const char *filter_json, maestro_event_callback callback, void *user_data, struct maestro_subscription_t **subscription_out',
    );
  });

  test('every function of the header is exported by the library', () => {
    const lib = koffi.load(maestro.load().path);
    for (const name of fns.keys()) {
      // Resolving the symbol is enough; the declared signature is never called.
      assert.equal(typeof lib.func(`void ${name}(void)`), 'function', name);
    }
  });
});

describe('an end-to-end workflow on a database file', () => {
  let db;
  const file = () => dbPath('e2e');
  before(() => {
    db = maestro.open(file(), { durability: 'normal' });
  });
  after(() => {
    if (db) db.close();
  });

  test('project → workflow → tasks → sessions → claim → complete → queue → advance → events → batch', async (t) => {
    let project, workflow, dbTask, apiTask, worker, queueSession, queueTask;

    await t.test('projects', () => {
      project = db.projects.create({ name: 'shop' });
      assert.match(project.id, /^prj_[a-z0-9]{26}$/);
      assert.equal(project.name, 'shop');
      assert.equal(project.version, 1);
      assert.deepEqual(db.projects.get_by_name({ name: 'shop' }), project);
      assert.deepEqual(db.projects.get({ id: project.id }), project);
      assert.deepEqual(db.projects.list(), [project]);
    });

    await t.test('workflow with the flow model', () => {
      workflow = db.workflows.create({ project_id: project.id, feature: 'login', model: 'flow' });
      assert.match(workflow.id, /^wf_/);
      assert.equal(workflow.project_id, project.id);
      assert.equal(workflow.phase, 'initializing');
      assert.equal(workflow.status, 'active');
      assert.equal(workflow.epoch, 0);
      assert.equal(workflow.model.name, 'flow');
      assert.equal(workflow.request, '');
    });

    await t.test('tasks with a dependency', () => {
      dbTask = db.tasks.create({
        project_id: project.id,
        workflow_id: workflow.id,
        title: 'DB schéma ✓',
        labels: ['database'],
      });
      apiTask = db.tasks.create({
        project_id: project.id,
        title: 'API',
        depends_on: [dbTask.id],
        priority: 'high',
      });
      assert.equal(dbTask.status, 'todo');
      assert.equal(dbTask.title, 'DB schéma ✓', 'UTF-8 round trip');
      assert.deepEqual(dbTask.labels, ['database']);
      assert.equal(dbTask.priority, 'medium');
      assert.deepEqual(apiTask.depends_on, [dbTask.id]);
      assert.equal(apiTask.priority, 'high');
      assert.deepEqual(
        db.tasks.ready({ project_id: project.id }).map((x) => x.id),
        [dbTask.id],
      );
      assert.deepEqual(db.tasks.layers({ project_id: project.id }), [[dbTask.id], [apiTask.id]]);
    });

    await t.test('session spawn and register', () => {
      worker = db.sessions.spawn({ project_id: project.id, workflow_id: workflow.id, name: 'w1', strategy: 'dag' });
      assert.match(worker.id, /^ses_/);
      assert.equal(worker.status, 'spawning');
      assert.equal(worker.strategy, 'dag');
      const registered = db.sessions.register({ id: worker.id });
      assert.equal(registered.status, 'idle');
      assert.equal(registered.id, worker.id);
    });

    await t.test('claim with a label filter', () => {
      assert.equal(db.tasks.claim({ session_id: worker.id, filter: { labels: ['frontend'] } }), null);
      const claimed = db.tasks.claim({ session_id: worker.id, filter: { labels: ['database'] } });
      assert.equal(claimed.id, dbTask.id);
      assert.equal(claimed.status, 'in_progress');
      assert.equal(db.sessions.get({ id: worker.id }).status, 'working');
      // the API task is not ready yet, and the database task is taken
      assert.equal(db.tasks.claim({ session_id: worker.id }), null);
      const links = db.sessions.tasks({ id: worker.id });
      assert.deepEqual(
        links.map((l) => [l.task_id, l.status]),
        [[dbTask.id, 'working']],
      );
    });

    await t.test('timeline append', () => {
      const ev = db.sessions.append({
        id: worker.id,
        event: { type: 'progress', message: 'half', metadata: { progress: 0.5 } },
      });
      assert.equal(ev.type, 'progress');
      assert.equal(ev.message, 'half');
      assert.equal(ev.session_id, worker.id);
      assert.deepEqual(ev.metadata, { progress: 0.5 });
      const timeline = db.sessions.timeline({ id: worker.id });
      assert.equal(timeline[0].type, 'session_started');
      assert.deepEqual(timeline[timeline.length - 1], ev);
      assert.ok(timeline.some((e) => e.type === 'task_started' && e.task_id === dbTask.id));
    });

    await t.test('complete moves the ready set', () => {
      const done = db.tasks.complete({ id: dbTask.id, session_id: worker.id });
      assert.equal(done.status, 'completed');
      assert.equal(done.id, dbTask.id);
      assert.deepEqual(
        db.tasks.ready({ project_id: project.id }).map((x) => x.id),
        [apiTask.id],
      );
      assert.deepEqual(db.tasks.topological_order({ project_id: project.id }), [dbTask.id, apiTask.id]);
    });

    await t.test('queues: enqueue, list, next, complete', () => {
      queueSession = db.sessions.spawn({ project_id: project.id, name: 'q1', strategy: 'queue' });
      assert.equal(db.sessions.register({ id: queueSession.id }).status, 'idle');
      queueTask = db.tasks.create({ project_id: project.id, title: 'Docs', depends_on: [apiTask.id] });
      const first = db.queues.enqueue({ session_id: queueSession.id, task_id: apiTask.id });
      const second = db.queues.enqueue({ session_id: queueSession.id, task_id: queueTask.id });
      assert.equal(first.status, 'queued');
      assert.equal(first.task_id, apiTask.id);
      assert.ok(second.position > first.position);
      assert.deepEqual(
        db.queues.list({ session_id: queueSession.id }).map((i) => [i.id, i.status]),
        [
          [first.id, 'queued'],
          [second.id, 'queued'],
        ],
      );
      const next = db.queues.next({ session_id: queueSession.id });
      assert.equal(next.id, first.id);
      assert.equal(next.status, 'processing');
      assert.equal(db.tasks.get({ id: apiTask.id }).status, 'in_progress');
      assert.equal(db.sessions.get({ id: queueSession.id }).status, 'working');
      const completed = db.queues.complete({ session_id: queueSession.id });
      assert.equal(completed.id, first.id);
      assert.equal(completed.status, 'completed');
      assert.equal(db.tasks.get({ id: apiTask.id }).status, 'completed');
      // the docs task became ready behind it
      assert.deepEqual(
        db.tasks.ready({ project_id: project.id }).map((x) => x.id),
        [queueTask.id],
      );
    });

    await t.test('workflows.advance and history', () => {
      const advanced = db.workflows.advance({ id: workflow.id, to: 'planning', actor: 'lead' });
      assert.equal(advanced.phase, 'planning');
      assert.equal(advanced.epoch, 1);
      const history = db.workflows.history({ id: workflow.id });
      assert.deepEqual(
        history.map((h) => [h.kind, h.phase, h.actor]),
        [
          ['created', 'initializing', 'system'],
          ['transition', 'planning', 'lead'],
        ],
      );
      assert.deepEqual(history[1].details, { from: 'initializing', to: 'planning' });
    });

    await t.test('events.since with a filter', () => {
      const all = db.events.since();
      assert.ok(all.length > 10);
      const seqs = all.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        'commit order',
      );
      assert.equal(new Set(seqs).size, seqs.length);
      const tasks = db.events.since(0, { entities: ['task'] });
      assert.ok(tasks.length > 0);
      assert.ok(tasks.every((e) => e.entity === 'task'));
      assert.equal(tasks[0].type, 'task.created');
      assert.equal(tasks[0].entity_id, dbTask.id);
      assert.equal(tasks[0].payload.title, 'DB schéma ✓');
      const created = db.events.since(0, { types: ['task.created'] });
      assert.deepEqual(
        created.map((e) => e.entity_id),
        [dbTask.id, apiTask.id, queueTask.id],
      );
      // resume after a seq; limit
      assert.deepEqual(db.events.since(created[0].seq, { types: ['task.created'] }), created.slice(1));
      assert.deepEqual(db.events.since(0, { types: ['task.created'] }, 2), created.slice(0, 2));
      const wf = db.events.since(0, { entities: ['workflow'], workflow_id: workflow.id });
      assert.deepEqual(
        wf.map((e) => e.type),
        ['workflow.created', 'workflow.updated'],
      );
      const latest = db.events.latest_seq();
      assert.equal(latest, all[all.length - 1].seq);
      assert.deepEqual(db.events.since(latest), []);
      // the JSON state as of a feed position
      assert.equal(db.events.state_at({ entity: 'task', id: dbTask.id, seq: tasks[0].seq }).status, 'todo');
      assert.equal(db.events.state_at({ entity: 'task', id: dbTask.id, seq: tasks[0].seq - 1 }), null);
    });

    await t.test('subscribe receives the events of a write', async () => {
      const before = db.events.latest_seq();
      const got = [];
      const sub = db.events.subscribe({ entities: ['task'] }, (e) => got.push(e));
      assert.equal(sub.active, true);
      let extra;
      try {
        extra = db.tasks.create({ project_id: project.id, title: 'Pushed' });
        // filtered out: not a task
        db.decisions.register_category({ project_id: project.id, name: 'naming', description: 'Names' });
        db.tasks.transition({ id: extra.id, to: 'cancelled' });
        await waitFor(() => got.length >= 2, 5000, 'two task events');
        await sleep(50);
      } finally {
        await withTimeout(sub.close(), 5000, 'closing the subscription');
      }
      assert.equal(sub.active, false);
      assert.deepEqual(
        got.map((e) => [e.type, e.entity, e.entity_id]),
        [
          ['task.created', 'task', extra.id],
          ['task.updated', 'task', extra.id],
        ],
      );
      assert.ok(got[0].seq > before);
      assert.ok(got[1].seq > got[0].seq);
      assert.equal(got[1].payload.status, 'cancelled');
      // the pushed events are the ones the feed stored
      assert.deepEqual(db.events.since(before, { entities: ['task'] }), got);
      // closed: nothing more arrives, and close() is idempotent
      db.tasks.create({ project_id: project.id, title: 'After close' });
      await sleep(100);
      assert.equal(got.length, 2);
      await sub.close();
    });

    await t.test('closing while the library thread waits in the callback does not deadlock', () => {
      // In a child process, so that a deadlock (the main thread joining a library thread
      // that waits for the main thread) fails the test instead of hanging it.
      const script = `
        const maestro = require(process.env.PKG);
        const db = maestro.open(process.env.DB);
        const p = db.projects.create({ name: 'child' });
        let calls = 0;
        const sub = db.events.subscribe((e) => calls++);
        db.tasks.create({ project_id: p.id, title: 'x' });
        const until = Date.now() + 300;
        while (Date.now() < until) {} // the library thread is now blocked in the callback
        sub.close().then(async () => {
          // and in bursts: write, then close at once, round after round
          for (let i = 0; i < 5; i++) {
            const s = db.events.subscribe(() => calls++);
            db.tasks.create({ project_id: p.id, title: 'burst ' + i });
            await s.close();
          }
          db.close();
          console.log(JSON.stringify({ closed: true, calls }));
        });
      `;
      const child = spawnSync(process.execPath, ['-e', script], {
        env: { ...process.env, PKG, DB: dbPath('child-deadlock') },
        encoding: 'utf8',
        timeout: 15000,
      });
      assert.equal(child.signal, null, `the child hung: ${child.stderr}`);
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { closed: true, calls: 0 });
    });

    await t.test('an open subscription keeps the process alive unless unref()ed', () => {
      // unref()ed, the process exits with events still in flight: the wrapper must stop the
      // library thread first (a natural exit under a live callback thread crashes in koffi),
      // so several rounds with many events, each expected to exit cleanly.
      const script = (unref) => `
        const maestro = require(process.env.PKG);
        const db = maestro.open(':memory:');
        const p = db.projects.create({ name: 'child' });
        const sub = db.events.subscribe({ types: ['task.created'] }, (e) => console.log(e.type));
        ${unref ? 'sub.unref();' : 'setTimeout(() => sub.close(), 300);'}
        for (let i = 0; i < ${unref ? 20 : 1}; i++) db.tasks.create({ project_id: p.id, title: 'x' });
      `;
      for (const unref of [true, true, true, true, true, false]) {
        const started = Date.now();
        const child = spawnSync(process.execPath, ['-e', script(unref)], {
          env: { ...process.env, PKG },
          encoding: 'utf8',
          timeout: 15000,
        });
        assert.equal(child.signal, null, `the child hung (unref: ${unref}): ${child.stderr}`);
        assert.equal(child.status, 0, child.stderr);
        if (!unref) {
          // kept alive until close(): the pending events were delivered
          assert.ok(Date.now() - started >= 300);
          assert.deepEqual(child.stdout.trim().split('\n'), ['task.created']);
        }
      }
    });

    await t.test('store.batch commits together or not at all', () => {
      const out = db.store.batch({
        operations: [
          { op: 'tasks.create', input: { id: 'batch_a', project_id: project.id, title: 'A' } },
          { op: 'tasks.create', input: { id: 'batch_b', project_id: project.id, title: 'B', depends_on: ['batch_a'] } },
          { op: 'tasks.get', input: { id: 'batch_b' } },
        ],
      });
      assert.equal(out.length, 3);
      assert.equal(out[0].id, 'batch_a');
      assert.deepEqual(out[1].depends_on, ['batch_a']);
      assert.equal(out[2].id, 'batch_b');
      const count = db.tasks.list({ project_id: project.id }).length;
      const err = expectError(
        () =>
          db.store.batch({
            operations: [
              { op: 'tasks.create', input: { id: 'batch_c', project_id: project.id, title: 'C' } },
              { op: 'tasks.create', input: { project_id: project.id, title: '' } },
            ],
          }),
        { code: 'MAESTRO_VALIDATION', path: '/operations/1/input/title' },
      );
      assert.equal(err.operation, 'store.batch');
      assert.equal(db.tasks.list({ project_id: project.id }).length, count, 'batch_c was rolled back');
      expectError(() => db.tasks.get({ id: 'batch_c' }), { code: 'MAESTRO_NOT_FOUND', path: null });
      assert.equal(db.store.check_integrity(), null);
    });

    await t.test('the data is on disk', () => {
      db.close();
      db = maestro.open(file());
      assert.deepEqual(
        db.projects.list().map((p) => p.id),
        [project.id],
      );
      assert.equal(db.tasks.get({ id: dbTask.id }).status, 'completed');
      assert.equal(db.workflows.get({ id: workflow.id }).phase, 'planning');
    });
  });
});

describe('the learning layer', () => {
  test('outcomes become a recommendation; failures come back by embedding; a wrong dimension names /embedding', () => {
    const m = maestro.open(dbPath('learning'), { durability: 'normal', learning: { min_usage_count: 1 } });
    try {
      const p = m.projects.create({ name: 'learn' });
      const wf = m.workflows.create({ project_id: p.id, feature: 'f', model: 'flow' });
      for (const [technology, status] of [['postgresql', 'successful'], ['postgresql', 'successful'], ['mongodb', 'failed'], ['mongodb', 'failed']]) {
        const d = m.decisions.record({
          workflow_id: wf.id, category: 'tech_stack', decision: `Use ${technology}`, rationale: 'why not',
          subject: { category: 'database', technology },
        });
        m.decisions.record_outcome({ id: d.id, outcome: { status, issues: ['lost writes'] } });
      }
      const r = m.learning.recommend({ project_id: p.id, decision_category: 'tech_stack', subject_category: 'database' });
      assert.deepEqual(r.preferred.map((s) => [s.name, s.usage_count, s.success_count]), [['postgresql', 2, 2]]);
      assert.deepEqual(r.avoid.map((a) => [a.name, a.failure_count]), [['mongodb', 2]]);
      assert.equal(r.thresholds.min_usage_count, 1, 'the open options set the thresholds');

      const f = m.learning.record_failure({
        project_id: p.id, feature: 'auth', approach: 'custom JWT', why_failed: 'rotation', lesson: 'use the IdP',
        embedding: [1, 0, 0],
      });
      const hits = m.learning.similar_failures({ project_id: p.id, embedding: [2, 0, 0], k: 1 });
      assert.equal(hits[0].failure.id, f.id);
      assert.ok(Math.abs(hits[0].score - 1) < 1e-6);
      expectError(() => m.learning.similar_failures({ embedding: [1, 0] }), { code: 'MAESTRO_VALIDATION', path: '/embedding' });

      const s = m.learning.suggest_order({ tasks: [{ key: 'b', depends_on: ['a'] }, { key: 'a' }] });
      assert.deepEqual(s.order, ['a', 'b']);
    } finally {
      m.close();
    }
  });
});

describe('the shared error table (tests/errors/cases.json)', () => {
  const table = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'errors', 'cases.json'), 'utf8'));
  const codes = { validation: 'MAESTRO_VALIDATION', conflict: 'MAESTRO_CONFLICT', not_found: 'MAESTRO_NOT_FOUND' };
  const m = maestro.open(':memory:');
  for (const step of table.setup) m.callJson(step.op, JSON.stringify(step.input));
  for (const c of table.cases) {
    test(c.name, () => {
      const e = expectError(() => m.callJson(c.op, JSON.stringify(c.input)), { code: codes[c.kind], path: c.path });
      for (const part of c.message) assert.ok(e.message.includes(part), `${e.message} lacks ${part}`);
      if ('entity' in c) {
        assert.deepEqual([e.entity, e.id, e.from, e.to], [c.entity, c.id, c.from, c.to], e.message);
      }
    });
  }
});

describe('agent threads', () => {
  test('put, writes, latest, history newest first, copy, prune; blobs travel as base64', () => {
    const m = maestro.open(':memory:');
    try {
      const p = m.projects.create({ name: 'graphs' });
      const blob = (text) => ({ type: 'json', data: Buffer.from(text).toString('base64') });
      for (const id of ['1ef-a', '1ef-b', '1ef-c']) {
        const put = m.threads.put({
          project_id: p.id,
          thread_id: 'conv',
          checkpoint_id: id,
          checkpoint: blob(`state ${id}`),
          metadata: { step: id.charCodeAt(4) - 97, source: 'loop' },
        });
        assert.equal(put.checkpoint, null, 'the blob is not echoed');
      }
      const n = m.threads.put_writes({
        project_id: p.id,
        thread_id: 'conv',
        checkpoint_id: '1ef-c',
        task_id: 'task',
        writes: [{ idx: 0, channel: 'messages', value: blob('hi') }],
      });
      assert.equal(n, 1);
      const latest = m.threads.get({ project_id: p.id, thread_id: 'conv' });
      assert.equal(latest.checkpoint_id, '1ef-c');
      assert.equal(Buffer.from(latest.checkpoint.data, 'base64').toString(), 'state 1ef-c');
      assert.deepEqual(latest.writes.map((w) => [w.channel, Buffer.from(w.value.data, 'base64').toString()]), [
        ['messages', 'hi'],
      ]);
      const history = m.threads.list({ project_id: p.id, thread_id: 'conv', filter: { source: 'loop' }, limit: 2 });
      assert.deepEqual(history.map((c) => c.checkpoint_id), ['1ef-c', '1ef-b']);
      assert.equal(m.threads.copy({ project_id: p.id, source_thread_id: 'conv', target_thread_id: 'fork' }), 3);
      assert.equal(m.threads.prune({ project_id: p.id, thread_ids: ['fork'] }), 2);
      assert.deepEqual(m.threads.list_threads({ project_id: p.id }).map((t) => t.thread_id), ['conv', 'fork']);
      expectError(
        () => m.threads.put({ project_id: p.id, thread_id: 'x', checkpoint_id: '1', checkpoint: { type: 'b', data: '!' } }),
        { code: 'MAESTRO_VALIDATION', path: '/checkpoint/data' },
      );
    } finally {
      m.close();
    }
  });
});

describe('retention', () => {
  test('prune archives an ended workflow; since() below the horizon throws MAESTRO_PRUNED with oldestSeq', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maestro-node-prune-'));
    const m = maestro.open(path.join(dir, 'state.db'), { durability: 'normal' });
    try {
      const p = m.projects.create({ name: 'retained' });
      const wf = m.workflows.create({ project_id: p.id, feature: 'old', model: 'flow' });
      m.tasks.create({ project_id: p.id, workflow_id: wf.id, title: 'done long ago' });
      m.workflows.fail({ id: wf.id, reason: 'abandoned', actor: 'orchestrator' });
      const policy = { sessions_days: 0, events_days: 0, archive_dir: path.join(dir, 'archive') };
      const dry = m.store.prune({ policy, dry_run: true });
      assert.equal(dry.dry_run, true);
      assert.deepEqual(dry.workflows.map((w) => w.id), [wf.id]);
      assert.equal(m.events.horizon(), 0, 'a dry run moves nothing');
      const report = m.store.prune({ policy });
      assert.deepEqual(report.workflows.map((w) => [w.id, w.rows.tasks]), [[wf.id, 1]]);
      assert.equal(report.events, dry.events);
      assert.ok(fs.existsSync(path.join(dir, 'archive', wf.id, 'workflows', wf.id, 'metadata.json')));
      assert.equal(m.events.horizon(), report.horizon);
      const e = expectError(() => m.events.since(0), { code: 'MAESTRO_PRUNED', path: null });
      assert.equal(e.status, 108);
      assert.equal(e.oldestSeq, report.horizon + 1);
      assert.match(e.message, /horizon/);
      assert.ok(Array.isArray(m.events.since(report.horizon)));
      const back = m.store.import({ dir: path.join(dir, 'archive', wf.id) });
      assert.equal(back.workflows, 1);
      assert.equal(back.projects_existing, 1);
      assert.equal(m.workflows.get({ id: wf.id }).status, 'failed');
      assert.match(m.reports.failures_md({ project_id: p.id }), /^# Failures/);
      assert.equal(m.store.config().retention.sessions_days, 90);
    } finally {
      m.close();
    }
  });
});

describe('errors', () => {
  let db;
  let projectId;
  before(() => {
    db = maestro.open(dbPath('errors'));
    projectId = db.projects.create({ name: 'errors' }).id;
  });
  after(() => {
    if (db) db.close();
  });

  test('after close: a NULL handle is MAESTRO_NULL_ARGUMENT', async () => {
    const closed = maestro.open(dbPath('closed'));
    closed.projects.create({ name: 'p' });
    const sub = closed.events.subscribe(() => {});
    closed.close();
    assert.equal(closed.closed, true);
    assert.equal(closed.nativeHandle, null);
    assert.equal(sub.active, false, 'close() closes its subscriptions');
    await sub.close();
    closed.close(); // idempotent
    const e = expectError(() => closed.projects.list(), { code: 'MAESTRO_NULL_ARGUMENT', path: 'maestro' });
    assert.equal(e.status, 1);
    assert.equal(e.operation, 'projects.list');
    assert.match(e.message, /NULL/);
    expectError(() => closed.tasks.create({ project_id: 'x', title: 't' }), {
      code: 'MAESTRO_NULL_ARGUMENT',
      path: 'maestro',
    });
    expectError(() => closed.events.since(0), { code: 'MAESTRO_NULL_ARGUMENT', path: 'maestro' });
    expectError(() => closed.events.subscribe(() => {}), { code: 'MAESTRO_NULL_ARGUMENT', path: 'maestro' });
    expectError(() => closed.callJson('projects.list', '{}'), { code: 'MAESTRO_NULL_ARGUMENT', path: 'maestro' });
  });

  test('read_only: reads answer, writes are MAESTRO_STORAGE, a missing store is MAESTRO_NOT_FOUND', () => {
    const ro = maestro.open(dbPath('errors'), { read_only: true });
    try {
      assert.equal(ro.projects.get_by_name({ name: 'errors' }).id, projectId);
      const before = ro.events.latest_seq();
      assert.throws(
        () => ro.tasks.create({ project_id: projectId, title: 'refused' }),
        (err) => err instanceof MaestroError && err.code === 'MAESTRO_STORAGE' && /read-only/.test(err.message),
      );
      assert.equal(db.events.latest_seq(), before, 'a refused write left an event');
    } finally {
      ro.close();
    }
    const missing = dbPath('never-created');
    assert.throws(
      () => maestro.open(missing, { read_only: true }),
      (err) => err instanceof MaestroError && err.code === 'MAESTRO_NOT_FOUND',
    );
    assert.equal(fs.existsSync(missing), false, 'a read-only open created the file');
  });

  test('invalid JSON is MAESTRO_VALIDATION at the whole input', () => {
    const e = expectError(() => db.callJson('projects.create', '{"name": '), { code: 'MAESTRO_VALIDATION', path: '' });
    assert.equal(e.status, 100);
    assert.match(e.message, /JSON/);
    expectError(() => db.callJson('projects.create', 'not json at all'), { code: 'MAESTRO_VALIDATION', path: '' });
    expectError(() => db.callJson('projects.create', '[1, 2]'), { code: 'MAESTRO_VALIDATION', path: '' });
    // a valid raw call works the same as the method
    assert.equal(db.callJson('projects.get_by_name', '{"name": "errors"}').id, projectId);
    assert.throws(() => db.callJson('events.since', '{}'), TypeError);
  });

  test('a schema violation names the JSON path and writes nothing', () => {
    const before = db.events.latest_seq();
    const e = expectError(() => db.tasks.create({ project_id: projectId, title: 't', labels: ['ok', 7] }), {
      code: 'MAESTRO_VALIDATION',
      path: '/labels/1',
    });
    assert.equal(e.status, 100);
    assert.equal(e.operation, 'tasks.create');
    expectError(() => db.tasks.create({ project_id: projectId, title: 't', colour: 'red' }), {
      code: 'MAESTRO_VALIDATION',
      path: '/colour',
    });
    expectError(() => db.sessions.append({ id: 'ses_x', event: { type: 'dance' } }), {
      code: 'MAESTRO_VALIDATION',
      path: '/event/type',
    });
    expectError(() => db.tasks.get(), { code: 'MAESTRO_VALIDATION', path: '' });
    expectError(() => db.events.since(0, { entities: ['nope'] }), {
      code: 'MAESTRO_VALIDATION',
      path: '/filter/entities/0',
    });
    assert.equal(db.events.latest_seq(), before);
    assert.deepEqual(db.tasks.list({ project_id: projectId }), []);
  });

  test('an illegal transition is MAESTRO_CONFLICT with from → to', () => {
    const task = db.tasks.create({ project_id: projectId, title: 'T' });
    const e = expectError(() => db.tasks.transition({ id: task.id, to: 'completed' }), {
      code: 'MAESTRO_CONFLICT',
      path: null,
    });
    assert.equal(e.status, 102);
    assert.ok(e.message.includes('→'), e.message);
    assert.ok(e.message.includes('todo → completed'), e.message);
    assert.equal(db.tasks.get({ id: task.id }).status, 'todo', 'unchanged');
    const wf = db.workflows.create({ project_id: projectId, feature: 'f', model: 'flow' });
    const w = expectError(() => db.workflows.advance({ id: wf.id, to: 'completed', actor: 'me' }), {
      code: 'MAESTRO_CONFLICT',
      path: null,
    });
    assert.ok(w.message.includes('initializing → completed'), w.message);
  });

  test('an unknown id is MAESTRO_NOT_FOUND', () => {
    const e = expectError(() => db.tasks.get({ id: 'nope' }), { code: 'MAESTRO_NOT_FOUND', path: null });
    assert.equal(e.status, 101);
    assert.match(e.message, /nope/);
    expectError(() => db.projects.get_by_name({ name: 'missing' }), { code: 'MAESTRO_NOT_FOUND', path: null });
  });

  test('invalid UTF-8 is MAESTRO_INVALID_UTF8 naming the parameter', () => {
    // A raw declaration of the C function taking bytes instead of a JS string.
    const lib = koffi.load(db.library.path);
    const raw = lib.func('uint32_t maestro_tasks_create(void *maestro, const uint8_t *input_json, _Out_ void **json_out)');
    const lastCode = lib.func('uint32_t maestro_last_error_code(void)');
    const lastPath = lib.func('const char *maestro_last_error_path(void)');
    const lastMessage = lib.func('const char *maestro_last_error_message(void)');
    const out = [null];
    const status = raw(db.nativeHandle, Buffer.from([0xff, 0xfe, 0]), out);
    assert.equal(status, STATUS.MAESTRO_INVALID_UTF8);
    assert.equal(status, 2);
    assert.equal(lastCode(), 2);
    assert.equal(lastPath(), 'input_json');
    assert.match(lastMessage(), /UTF-8/);
    assert.equal(out[0], null, 'no output on failure');
    // the same bytes through the wrapper's raw call
    const e = expectError(() => db.callJson('tasks.create', Buffer.from([0xff, 0xfe])), {
      code: 'MAESTRO_INVALID_UTF8',
      path: 'input_json',
    });
    assert.equal(e.status, 2);
    // a successful call clears the last error
    assert.equal(db.projects.list().length, 1);
    assert.equal(lastCode(), 0);
    assert.equal(lastPath(), null);
  });

  test('a negative seq is a validation error at /seq', () => {
    const e = expectError(() => db.events.since(-1), { code: 'MAESTRO_VALIDATION', path: '/seq' });
    assert.equal(e.status, 100);
    assert.match(e.message, /-1/);
  });

  test('since() refuses a seq or limit of the wrong type or range before the FFI', () => {
    for (const [args, where] of [
      [['0'], '/seq'],
      [[2 ** 63], '/seq'],
      [[1.5], '/seq'],
      [[NaN], '/seq'],
      [[2n ** 63n], '/seq'],
      [[0, null, 2.5], '/limit'],
      [[0, null, -1], '/limit'],
    ]) {
      const e = expectError(() => db.events.since(...args), { code: 'MAESTRO_VALIDATION', path: where });
      assert.equal(e.operation, 'events.since');
    }
    assert.ok(Array.isArray(db.events.since(0n)), 'a BigInt seq is taken');
  });

  test('open: bad options and unusable paths', () => {
    const e = expectError(() => maestro.open(dbPath('opts'), { durability: 'fast' }), {
      code: 'MAESTRO_VALIDATION',
      path: '/durability',
    });
    assert.equal(e.operation, 'open');
    const parent = path.join(tmp, 'a-file');
    fs.writeFileSync(parent, '');
    expectError(() => maestro.open(path.join(parent, 'x.db')), { code: 'MAESTRO_IO', path: null });
    expectError(() => maestro.open(tmp), { code: 'MAESTRO_STORAGE', path: null });
  });
});

describe('subscriptions never block or hang (pulled on the JS thread)', () => {
  const run = (script, env = {}) =>
    spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, PKG, ...env },
      encoding: 'utf8',
      timeout: 20000,
    });

  test('close() with events still queued returns at once', () => {
    const child = run(`
      const maestro = require(process.env.PKG);
      const m = maestro.open(':memory:');
      const p = m.projects.create({ name: 'q' });
      let calls = 0;
      m.events.subscribe(() => calls++);
      for (let i = 0; i < 50; i++) m.tasks.create({ project_id: p.id, title: 't' + i });
      m.close();
      console.log(JSON.stringify({ closed: m.closed, calls }));
    `);
    assert.equal(child.signal, null, `the child hung: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { closed: true, calls: 0 });
  });

  test('close() of the store from inside a callback', () => {
    const child = run(`
      const maestro = require(process.env.PKG);
      const m = maestro.open(':memory:');
      const p = m.projects.create({ name: 'q' });
      let calls = 0;
      const sub = m.events.subscribe({ entities: ['task'] }, () => {
        calls++;
        m.close();
        setTimeout(() => console.log(JSON.stringify({ calls, active: sub.active, closed: m.closed })), 50);
      });
      m.tasks.create({ project_id: p.id, title: 'a' });
      m.tasks.create({ project_id: p.id, title: 'b' });
    `);
    assert.equal(child.signal, null, `the child hung: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { calls: 1, active: false, closed: true });
  });

  test('a worker thread ending with an open subscription never takes the process down (20 rounds)', () => {
    const child = run(`
      const { Worker } = require('node:worker_threads');
      const worker = \`
        const { parentPort, workerData } = require('node:worker_threads');
        const maestro = require(workerData.pkg);
        const m = maestro.open(':memory:');
        const p = m.projects.create({ name: 'w' });
        m.events.subscribe(() => {});
        for (let i = 0; i < 20; i++) m.tasks.create({ project_id: p.id, title: 't' + i });
        parentPort.postMessage('ready');
        if (workerData.exit) process.exit(0);
        setInterval(() => m.tasks.create({ project_id: p.id, title: 'more' }), 1);
      \`;
      (async () => {
        let ended = 0;
        for (let round = 0; round < 20; round++) {
          const w = new Worker(worker, { eval: true, workerData: { pkg: process.env.PKG, exit: round % 2 === 0 } });
          await new Promise((resolve, reject) => {
            w.once('error', reject);
            w.once('message', async () => {
              if (round % 2 === 1) await w.terminate();
              resolve();
            });
          });
          await new Promise((resolve) => (w.threadId === -1 ? resolve() : w.once('exit', resolve)));
          ended++;
        }
        console.log(JSON.stringify({ ended }));
      })();
    `);
    assert.equal(child.signal, null, `the process died: ${child.signal} ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout.trim().split('\n').pop()), { ended: 20 });
  });

  test('without a callback a subscription is an async iterable, in commit order', async () => {
    const m = maestro.open(':memory:');
    try {
      const p = m.projects.create({ name: 'iter' });
      const sub = m.events.subscribe({ entities: ['task'] });
      assert.ok(sub instanceof maestro.Subscription);
      for (const t of ['a', 'b', 'c']) m.tasks.create({ project_id: p.id, title: t });
      const titles = [];
      for await (const e of sub) {
        titles.push(e.payload.title);
        if (titles.length === 3) break;
      }
      assert.deepEqual(titles, ['a', 'b', 'c']);
      assert.equal(sub.active, false, 'leaving the loop closes it');
    } finally {
      m.close();
    }
  });
});
