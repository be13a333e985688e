// A host program written against index.d.ts alone, checked by `tsc --strict` and then run
// (tests/node/types/check.sh): the declarations must match what the module exports.
import * as maestro from '../../../maestro-ffi/node';
import { AsyncMaestro, Event, MaestroError, Subscription, Task } from '../../../maestro-ffi/node';

function titleOf(e: Event): string {
  // `entity` narrows `payload`: a task event carries a Task, a project event a Project.
  switch (e.entity) {
    case 'task':
      return `task ${e.payload.title} is ${e.payload.status}`;
    case 'project':
      return `project ${e.payload.name}`;
    case 'thread_checkpoint':
      return `checkpoint ${e.payload.checkpoint_id} of ${e.payload.thread_id}`;
    default:
      return e.type;
  }
}

function notATask(e: Event): void {
  if (e.entity === 'project') {
    // @ts-expect-error a project's payload has no title
    console.log(e.payload.title);
  }
}

async function main(): Promise<void> {
  const m = maestro.open(':memory:');
  if (!(m.library instanceof maestro.Library) || !m.library.operationNames.includes('tasks.claim')) {
    throw new Error('m.library is not a Library');
  }
  const project = m.projects.create({ name: 'typed' });
  const sub = m.events.subscribe({ entities: ['task'] });
  if (!(sub instanceof Subscription)) throw new Error('subscribe() did not answer a Subscription');
  const task: Task = m.tasks.create({ project_id: project.id, title: 'write the schema', priority: 'high' });
  const session = m.sessions.spawn({ project_id: project.id, name: 'a' });
  m.sessions.register({ id: session.id });
  const claimed: Task | null = m.tasks.claim({ session_id: session.id });
  const lines = m.events.since(0).map(titleOf);
  if (!lines.includes('task write the schema is todo')) throw new Error(`unexpected events: ${lines.join('; ')}`);
  try {
    m.tasks.get({ id: 'missing' });
    throw new Error('expected a MaestroError');
  } catch (err) {
    if (!(err instanceof MaestroError) || err.code !== 'MAESTRO_NOT_FOUND' || err.entity !== 'task') throw err;
  }
  await sub.close();
  m.close();

  const a: AsyncMaestro = await maestro.openAsync(':memory:');
  if (!(a instanceof maestro.AsyncMaestro)) throw new Error('openAsync() did not answer an AsyncMaestro');
  const p = await a.projects.create({ name: 'later' });
  const t: Task = await a.tasks.create({ project_id: p.id, title: 'async' });
  // @ts-expect-error an async call answers a Promise of the task, not the task
  const notYet: Task = a.tasks.get({ id: t.id });
  await notYet;
  const events: Event[] = await a.events.since(0);
  await a.close();
  void notATask; // a compile-time check only
  console.log(`typed sample ok: ${task.title}, ${claimed ? claimed.id : 'none'}, ${t.title}, ${events.length} events`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
