/**
 * A process that leases a board, says when it got it, holds it and gives it back: two of these show
 * that two harness processes never hold one board at once.
 *
 *   node --import tsx test/support/lease-holder.ts <state dir> <board> <hold ms>
 */
import { BoardLock } from '../../platforms/board/lease/board-lock.js';

const [stateDir, board, hold] = process.argv.slice(2);
const lock = await BoardLock.acquire({ stateDir: stateDir!, board: board!, expiryMs: 5000, heartbeatMs: 200, pollMs: 50 }, new AbortController().signal);
process.stdout.write(`got ${Date.now()}\n`);
await new Promise((resolve) => setTimeout(resolve, Number(hold)));
process.stdout.write(`release ${Date.now()}\n`);
await lock.release();
