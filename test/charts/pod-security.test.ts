/**
 * The restricted security contexts and the node spread are written once (charts/pod-security.ts) and used by every
 * pod we render: model servers, the edge, script Jobs, and the Qdrant, LiteLLM and LWS chart values.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPREAD_HONOR, restrictedContainerSecurity, restrictedPodSecurity, spreadOverNodes } from '../../charts/pod-security';
import { REPO } from '../support/paths';

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
// the policy check reads the output on its own (it shares no code with what produced it)
const files = ['bin', 'environments', 'stacks', 'constructs', 'charts', 'catalog', 'lib', 'observability'].flatMap((d) => sources(join(REPO, d))).map((f) => ({ file: relative(REPO, f), text: readFileSync(f, 'utf8') }));
const writing = (re: RegExp) => files.filter(({ text }) => re.test(text)).map(({ file }) => file);

describe('pod security helpers', () => {
  it('give the restricted container context: no escalation, all capabilities dropped, non-root, RuntimeDefault seccomp', () => {
    expect(restrictedContainerSecurity()).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('keep only NET_BIND_SERVICE, a read-only root, numeric IDs and a pod-level seccomp when asked', () => {
    expect(restrictedContainerSecurity({ readOnlyRootFilesystem: true, add: ['NET_BIND_SERVICE'], seccomp: false, privileged: false, runAs: { user: '101', group: '101' } })).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: '101',
      runAsGroup: '101',
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    });
  });

  it('give the restricted pod context with the IDs given', () => {
    expect(restrictedPodSecurity({})).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(restrictedPodSecurity({ runAsUser: 2000, fsGroup: 2000, fsGroupChangePolicy: 'OnRootMismatch' })).toEqual({
      runAsNonRoot: true,
      runAsUser: 2000,
      fsGroup: 2000,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('spread one pod per node, counting only the nodes the pods may use', () => {
    const s = spreadOverNodes({ app: 'x' }, true);
    expect(s).toEqual({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor', labelSelector: { matchLabels: { app: 'x' } } });
    expect(spreadOverNodes({ app: 'x' }, false).whenUnsatisfiable).toBe('ScheduleAnyway');
    expect(SPREAD_HONOR).toEqual({ nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' });
  });
});

describe('written once', () => {
  it('drops ALL capabilities in one file', () => {
    expect(writing(/drop:\s*\[\s*'ALL'\s*\]/)).toEqual(['charts/pod-security.ts']);
  });
  it('sets the RuntimeDefault seccomp profile in one file', () => {
    expect(writing(/'RuntimeDefault'/)).toEqual(['charts/pod-security.ts']);
  });
  it('writes a topology spread over nodes in one file', () => {
    expect(writing(/topologyKey:\s*'kubernetes\.io\/hostname'/)).toEqual(['charts/pod-security.ts']);
    expect(writing(/nodeTaintsPolicy:\s*'Honor'/)).toEqual(['charts/pod-security.ts']);
  });
});
