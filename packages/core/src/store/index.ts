export { defaultDataDir } from './data-dir.js';
export { conversationKey } from './keys.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
