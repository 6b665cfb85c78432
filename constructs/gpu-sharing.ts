export type { GpuSharing } from '../catalog/gpus';

/** The `nvidia.com/mig.config` value for a MIG profile: every GPU cut the same way, or NVIDIA's balanced mix. */
export function migConfigName(profile: string): string {
  return profile === 'balanced' ? 'all-balanced' : `all-${profile}`;
}
