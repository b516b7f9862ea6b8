// A child process for the cross-process tests in ../sqlite-store.test.ts. It uses the built store
// (run `npx turbo run build --filter=@opsagent/core` first). Usage:
//   node sqlite-child.mjs race <db> <approvalId>   prints "ready", waits for a line on stdin, then
//                                                  tries pending -> approved and prints {"won":bool}
//   node sqlite-child.mjs create <db> <approvalId> prints "ready", waits for a line, then opens
//                                                  (migrating a new file) and creates an approval
//   node sqlite-child.mjs crash <db>               creates pending approval `crash1` and open
//                                                  incident `inc1`, prints "ready", waits to be killed
import { once } from 'node:events';
import { SqliteStore } from '../../../dist/store/sqlite-store.js';

const [command, path, id] = process.argv.slice(2);
const now = new Date();

function approval(approvalId) {
  return {
    id: approvalId,
    remediation: 'restart_container',
    input: { container: 'web' },
    action: 'restart container web',
    reason: 'web is unhealthy',
    risk: 'medium',
    requestedBy: { kind: 'principal', id: 'olga', name: 'Olga' },
    incidentId: 'inc1',
    status: 'pending',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 30 * 60_000),
    updatedAt: now,
  };
}

async function waitForGo() {
  console.log('ready');
  process.stdin.setEncoding('utf8');
  await once(process.stdin, 'data');
  process.stdin.pause();
}

if (command === 'race') {
  const store = new SqliteStore({ path });
  await store.init();
  await waitForGo();
  const result = await store.transitionApproval(id, ['pending'], {
    status: 'approved',
    decidedBy: { kind: 'principal', id: `pid-${process.pid}`, name: `process ${process.pid}` },
    updatedAt: new Date(),
  });
  console.log(JSON.stringify({ won: result !== undefined, pid: process.pid }));
  await store.close();
} else if (command === 'create') {
  await waitForGo();
  const store = new SqliteStore({ path });
  await store.init();
  await store.createApproval(approval(id));
  console.log(JSON.stringify({ created: id }));
  await store.close();
} else if (command === 'crash') {
  const store = new SqliteStore({ path });
  await store.init();
  await store.createApproval(approval('crash1'));
  await store.putIncident({
    id: 'inc1',
    key: 'lab:web:unhealthy',
    source: 'lab',
    status: 'open',
    severity: 'critical',
    resource: 'container:web',
    title: 'web is unhealthy',
    evidence: 'health=unhealthy',
    data: { container: 'web' },
    observations: 2,
    cleanChecks: 0,
    firstSeenAt: now,
    openedAt: now,
    lastSeenAt: now,
  });
  console.log('ready');
  // Never closes the store: the parent kills this process with SIGKILL.
  setInterval(() => {}, 60_000);
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
