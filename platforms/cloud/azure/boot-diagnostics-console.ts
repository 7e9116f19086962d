import { Readable } from 'node:stream';
import type { ConsoleSource } from '../core/polled-console.js';
import { statusOf, type AzureClients } from './azure-clients.js';

/** A SAS URI is a credential with an expiry: ask for a fresh one well before it lapses. */
const SAS_MINUTES = 60;
const REFRESH_MS = 30 * 60_000;
/** One poll reads at most this much, however much the guest wrote. */
const MAX_READ = 1 << 20;

async function readAll(stream: NodeJS.ReadableStream | undefined, limit: number): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as Readable) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(buffer);
    size += buffer.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

/**
 * Azure boot diagnostics: retrieveBootDiagnosticsData gives a SAS URI of the serial console log
 * blob, which is read from the last offset with @azure/storage-blob. The URI never leaves this
 * function (it is a credential): errors carry the SDK's message, which the core scrubs.
 */
export function bootDiagnosticsConsole(clients: AzureClients, resourceGroup: string, vm: string): ConsoleSource {
  let uri: { url: string; at: number } | undefined;
  let offset = 0;
  const blob = async () => {
    if (!uri || Date.now() - uri.at > REFRESH_MS) {
      const data = await clients.compute.virtualMachines.retrieveBootDiagnosticsData(resourceGroup, vm, { sasUriExpirationTimeInMinutes: SAS_MINUTES });
      if (!data.serialConsoleLogBlobUri) return undefined;
      uri = { url: data.serialConsoleLogBlobUri, at: Date.now() };
    }
    return clients.blob(uri.url);
  };
  return {
    async read(signal) {
      const reader = await blob();
      if (!reader) return Buffer.alloc(0);
      try {
        const response = await reader.download(offset, MAX_READ, { abortSignal: signal });
        const bytes = await readAll(response.readableStreamBody, MAX_READ);
        offset += bytes.length;
        return bytes;
      } catch (error) {
        const status = statusOf(error);
        if (status === 403) uri = undefined;
        // 416: nothing past the offset yet; 404: the log blob does not exist yet.
        if (status === 404 || status === 403) return Buffer.alloc(0);
        if (status !== 416) throw error;
        // A log that shrank was replaced: start it over rather than wait for ever.
        const { contentLength } = await reader.getProperties({ abortSignal: signal });
        if (contentLength !== undefined && contentLength < offset) offset = 0;
        return Buffer.alloc(0);
      }
    },
  };
}
