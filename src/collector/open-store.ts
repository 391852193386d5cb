// `--store DIR` (embedded JSONL) or `--store postgres://...`.

import { resolve } from 'node:path';
import type { MeasurementStore } from './store.js';
import { JsonlStore, type JsonlStoreOptions } from './store-jsonl.js';
import { PostgresStore } from './store-postgres.js';

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

export async function openStore(spec: string, opts: JsonlStoreOptions = {}): Promise<MeasurementStore> {
  if (isPostgresUrl(spec)) return PostgresStore.open(spec);
  return JsonlStore.open(resolve(spec), opts);
}
