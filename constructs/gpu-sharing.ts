/** How the pods of a GPU pool share its GPUs. */
export type GpuSharing =
  | { readonly mode: 'none' }
  | { readonly mode: 'time-slicing'; readonly replicas: number }
  | { readonly mode: 'mig'; readonly profile: string };

/** The `nvidia.com/mig.config` value for a MIG profile: every GPU cut the same way, or NVIDIA's balanced mix. */
export function migConfigName(profile: string): string {
  return profile === 'balanced' ? 'all-balanced' : `all-${profile}`;
}
