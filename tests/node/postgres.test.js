'use strict';

// The Node.js wrapper on a PostgreSQL store: `open` takes a `postgres://` URL wherever it
// takes a path. The server is MAESTRO_TEST_PG_URL, or the cluster `scripts/pg start` runs.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const maestro = require(path.join(REPO, 'maestro-ffi', 'node'));

const server = process.env.MAESTRO_TEST_PG_URL
  || execFileSync(path.join(REPO, 'scripts', 'pg'), ['start'], { encoding: 'utf8' }).trim();
// A new, empty store: a schema of its own on the server.
const storeUrl = () => `${server}?options=-csearch_path%3Dnode_${crypto.randomBytes(8).toString('hex')}`;

describe('a PostgreSQL store through the Node wrapper', () => {
  const url = storeUrl();
  let db;
  before(() => {
    db = maestro.open(url, { durability: 'normal' });
  });
  after(() => {
    if (db) db.close();
  });

  test('projects, tasks, a claim and the feed, then the same state from a second handle', () => {
    const project = db.projects.create({ name: 'shop' });
    const t = db.tasks.create({ project_id: project.id, title: 'build' });
    const s = db.sessions.spawn({ project_id: project.id, name: 'worker' });
    db.sessions.register({ id: s.id });
    const claimed = db.tasks.claim({ session_id: s.id });
    assert.equal(claimed.id, t.id);
    assert.equal(claimed.status, 'in_progress');
    const other = maestro.open(url);
    try {
      assert.equal(other.tasks.get({ id: t.id }).status, 'in_progress');
      const kinds = other.events.since(0).map((e) => e.type);
      assert.deepEqual(kinds.slice(0, 2), ['project.created', 'task.created']);
      const seqs = other.events.since(0).map((e) => Number(e.seq));
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'the feed has no gap');
    } finally {
      other.close();
    }
  });

  test('a subscription hears a write made through another handle', async () => {
    const project = db.projects.create({ name: 'live' });
    const got = [];
    const sub = db.events.subscribe({ entities: ['task'] }, (e) => got.push(e.type));
    const other = maestro.open(url);
    try {
      other.tasks.create({ project_id: project.id, title: 'from elsewhere' });
      const until = Date.now() + 5000;
      while (got.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(got, ['task.created']);
    } finally {
      await sub.close();
      other.close();
    }
  });

  test('a wrong password is MAESTRO_STORAGE and the message never shows it', () => {
    let err;
    try {
      maestro.open('postgres://maestro:hunter2-secret@127.0.0.1:1/none');
    } catch (e) {
      err = e;
    }
    assert.ok(err, 'open failed');
    assert.equal(err.code, 'MAESTRO_STORAGE');
    assert.ok(!err.message.includes('hunter2-secret'), err.message);
  });
});
