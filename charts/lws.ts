/** Typed values for the LeaderWorkerSet chart (pinned in `CHARTS.lws`). */
import { restrictedPodSecurity } from './pod-security';

/** The controller image as the release script publishes it (git's values.yaml says `main`; we pin the tag). */
export const LWS_IMAGE = { repository: 'registry.k8s.io/lws/lws', tag: 'v0.10.0' } as const;

export function lwsValues(): object {
  return {
    image: { manager: { repository: LWS_IMAGE.repository, tag: LWS_IMAGE.tag, pullPolicy: 'IfNotPresent' } },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    // lws-system enforces Pod Security restricted, which wants a seccomp profile the chart does not set.
    podSecurityContext: restrictedPodSecurity({}),
  };
}
