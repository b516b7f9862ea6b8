import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, MemoryStore, SqliteStore } from '@opsagent/core';
import { afterAll } from 'vitest';
import { describeStoreContract } from './store-contract.js';

const memoryClock = createManualClock();
describeStoreContract('MemoryStore', () => new MemoryStore({ clock: memoryClock }), {
  clock: memoryClock,
});

const sqliteMemoryClock = createManualClock();
describeStoreContract(
  'SqliteStore in memory',
  () => new SqliteStore({ path: ':memory:', clock: sqliteMemoryClock }),
  { clock: sqliteMemoryClock },
);

const dir = mkdtempSync(join(tmpdir(), 'opsagent-store-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sqliteFileClock = createManualClock();
let files = 0;
describeStoreContract(
  'SqliteStore on a file',
  () => {
    files += 1;
    return new SqliteStore({ path: join(dir, `nested/store-${files}.db`), clock: sqliteFileClock });
  },
  { clock: sqliteFileClock },
);
