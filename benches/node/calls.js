// What a Node host pays per call, and what the event loop sees while a writer holds the
// database: the sync API (koffi on the JS thread) against the async one (maestro_call on
// koffi's worker threads), on the same release library and file.
//
//   cargo build --release -p maestro-ffi && npm ci --prefix maestro-ffi/node
//   MAESTRO_LIB=$PWD/target/release/libmaestro.so node benches/node/calls.js [--calls N] [--rounds R]
//
// Prints, per measure, the median of R rounds of N calls, and the ratios.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const maestro = require('../../maestro-ffi/node');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CALLS = arg('--calls', 2000);
const ROUNDS = arg('--rounds', 7);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (ns) => (Number(ns) / 1000).toFixed(1);

async function measure(label, round) {
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    await round();
    times.push(Number(process.hrtime.bigint() - t0) / CALLS);
  }
  const m = median(times);
  console.log(`${label.padEnd(46)} ${us(m).padStart(8)} µs/call`);
  return m;
}

// Ticks of a 10 ms interval on the JS thread while `work` runs; a blocked loop ticks 0 times.
async function ticksDuring(work) {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const t0 = Date.now();
  await work();
  clearInterval(timer);
  return { ticks, ms: Date.now() - t0 };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maestro-bench-node-'));
  const file = path.join(dir, 'bench.db');
  const sync = maestro.open(file, { durability: 'normal' });
  const p = sync.projects.create({ name: 'bench' });
  const task = sync.tasks.create({ project_id: p.id, title: 'read me' });
  const a = await maestro.openAsync(file, { durability: 'normal' });

  const readSync = await measure('tasks.get, sync', async () => {
    for (let i = 0; i < CALLS; i++) sync.tasks.get({ id: task.id });
  });
  const readAwait = await measure('tasks.get, async, one at a time', async () => {
    for (let i = 0; i < CALLS; i++) await a.tasks.get({ id: task.id });
  });
  const readAll = await measure('tasks.get, async, all at once', async () => {
    await Promise.all(Array.from({ length: CALLS }, () => a.tasks.get({ id: task.id })));
  });
  const writeSync = await measure('tasks.create, sync', async () => {
    for (let i = 0; i < CALLS; i++) sync.tasks.create({ project_id: p.id, title: `s${i}` });
  });
  const writeAwait = await measure('tasks.create, async, one at a time', async () => {
    for (let i = 0; i < CALLS; i++) await a.tasks.create({ project_id: p.id, title: `a${i}` });
  });
  const writeAll = await measure('tasks.create, async, all at once', async () => {
    await Promise.all(Array.from({ length: CALLS }, (_, i) => a.tasks.create({ project_id: p.id, title: `c${i}` })));
  });
  console.log(`ratios to sync: read ${(readAwait / readSync).toFixed(2)}× one at a time, ` +
    `${(readAll / readSync).toFixed(2)}× all at once; write ${(writeAwait / writeSync).toFixed(2)}× one at a time, ` +
    `${(writeAll / writeSync).toFixed(2)}× all at once`);

  // Another process holds the write lock for 1 s: the sync call blocks the loop, the async one does not.
  const hold = () =>
    new Promise((resolve) => {
      const child = spawn('python3', ['-c',
        'import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute("BEGIN IMMEDIATE")\nprint("locked",flush=True)\ntime.sleep(1)\nc.execute("COMMIT")', file]);
      child.stdout.once('data', () => resolve(child));
    });
  let child = await hold();
  const blocked = await ticksDuring(async () => sync.tasks.create({ project_id: p.id, title: 'while locked' }));
  await new Promise((r) => child.on('exit', r));
  child = await hold();
  const free = await ticksDuring(() => a.tasks.create({ project_id: p.id, title: 'while locked' }));
  await new Promise((r) => child.on('exit', r));
  console.log(`a write waiting 1 s for another process's lock: sync ${blocked.ticks} ticks of 10 ms in ${blocked.ms} ms, ` +
    `async ${free.ticks} ticks in ${free.ms} ms`);

  sync.close();
  await a.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
