import type { Frame } from '../console/frames.js';

/**
 * Frames in arrival order, taken one at a time by the session. A failure (bad CRC, gap, guest death)
 * is sticky: every later take rejects with it, so a broken channel stays broken.
 */
export class FrameInbox {
  private readonly queue: Frame[] = [];
  private waiter: { resolve: (frame: Frame) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  put(frame: Frame): void {
    // After a broken frame, later frames cannot be trusted to belong where they seem to.
    if (this.failure) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(frame);
    } else {
      this.queue.push(frame);
    }
  }

  fail(error: Error): void {
    this.failure ??= error;
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(this.failure);
    }
  }

  /** The next frame; rejects with `onTimeout()` after `timeoutMs`. */
  take(timeoutMs: number, onTimeout: () => Error): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(onTimeout());
      }, timeoutMs);
      this.waiter = {
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }
}
