// Marks built bin files executable (tsc writes them 0644; npm only chmods bins that existed at install).
import { chmodSync } from 'node:fs';

for (const file of process.argv.slice(2)) chmodSync(file, 0o755);
