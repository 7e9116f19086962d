/** Guest networking: none, or QEMU's user-mode stack with ports forwarded from 127.0.0.1 only. */
import type { Forward } from './options.js';
import type { ArchProfile } from './profiles.js';

export interface Network {
  mode: 'none' | 'user';
  forwards: readonly Forward[];
}

/** Forwards bind to 127.0.0.1: a published guest port is never reachable from other hosts. */
export function networkArgs(profile: ArchProfile, net: Network): string[] {
  if (net.mode === 'none') return [];
  const forwards = net.forwards.map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join('');
  // No option ROM: firmware would load iPXE for nothing, the disk or kernel is what boots.
  const rom = profile.virtio === 'pci' ? ',romfile=' : '';
  return ['-netdev', `user,id=net0${forwards}`, '-device', `virtio-net-${profile.virtio},netdev=net0${rom}`];
}
