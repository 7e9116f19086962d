import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HistoryStore, readHistoryFile } from '../../history/store.js';

/** `harness history export`: the whole store as JSON, so CI can carry history between runners. */
export async function exportHistory(history: string, file: string | undefined, write: (text: string) => void): Promise<void> {
  const store = HistoryStore.open(resolve(history));
  try {
    const json = `${JSON.stringify(store.exportJson(), null, 1)}\n`;
    if (file) await writeFile(file, json);
    else write(json);
  } finally {
    store.close();
  }
}

/** `harness history import`: merges an export; importing the same file twice changes nothing. */
export async function importHistory(history: string, file: string, write: (text: string) => void): Promise<void> {
  const data = await readHistoryFile(file);
  const store = HistoryStore.open(resolve(history));
  try {
    const { added, replaced } = store.importJson(data, file);
    write(`imported ${file}: ${added} runs added, ${replaced} replaced\n`);
  } finally {
    store.close();
  }
}
