import { createHash } from 'node:crypto';
import { restrictedContainerSecurity, restrictedPodSecurity } from '../../charts/pod-security';
import { ConfigMapV1, JobV1 } from '../../lib/bindings';
import { terraformLiteralData } from '../../lib/terraform-literal';
import type { Construct, ITerraformDependable } from '../../lib/cdktf';

export type JobEnv = { readonly name: string; readonly value: string } | { readonly name: string; readonly secret: { readonly name: string; readonly key: string } };

export interface ScriptJobProps {
  /** Name prefix; the Job is `<name>-<hash of files, image, command and env>`. */
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly command: readonly string[];
  /** Files mounted read-only at `mountPath`. */
  readonly files: Readonly<Record<string, string>>;
  readonly mountPath: string;
  readonly env: readonly JobEnv[];
  readonly uid: number;
  readonly dependsOn?: ITerraformDependable[];
  /** How long Terraform waits for it: longer than every try may take. @default '20m' */
  readonly timeout?: string;
  /**
   * A ServiceAccount whose token the pod mounts, for scripts that read the Kubernetes API (policy P11 then needs a
   * declared exception). @default - none: no token
   */
  readonly serviceAccount?: string;
  /** Retries after a failed run. @default 3 */
  readonly backoffLimit?: number;
  /** The Job's own deadline, seconds. @default - none */
  readonly activeDeadlineSeconds?: number;
}

export function jobEnv(env: readonly JobEnv[]) {
  return env.map((e) => ('secret' in e ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } } : { name: e.name, value: e.value }));
}

/** The restricted security context of our Jobs and CronJobs. */
export function jobSecurity(uid: number) {
  return {
    pod: restrictedPodSecurity({ runAsUser: String(uid), runAsGroup: String(uid) }),
    container: restrictedContainerSecurity({ readOnlyRootFilesystem: true, seccomp: false }),
    resources: { requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' }, limits: { memory: '256Mi', 'ephemeral-storage': '256Mi' } },
  };
}

/** The pod of a script Job or CronJob: restricted, no token, the script's ConfigMap mounted read-only. */
export function scriptPodSpec(p: { name: string; image: string; command: readonly string[]; env: readonly JobEnv[]; uid: number; configMap: string; mountPath: string; serviceAccount?: string }) {
  const sec = jobSecurity(p.uid);
  return {
    restartPolicy: 'Never',
    ...(p.serviceAccount ? { serviceAccountName: p.serviceAccount, automountServiceAccountToken: true } : { automountServiceAccountToken: false }),
    securityContext: sec.pod,
    container: [
      {
        name: p.name,
        image: p.image,
        command: [...p.command],
        env: jobEnv(p.env),
        resources: sec.resources,
        securityContext: sec.container,
        volumeMount: [{ name: 'files', mountPath: p.mountPath, readOnly: true }],
      },
    ],
    volume: [{ name: 'files', configMap: { name: p.configMap } }],
  };
}

/**
 * A run-once Job of a script from a ConfigMap. Its name carries a hash of its files, image, command and env: any change makes
 * Terraform replace the Job, so the (idempotent) script runs again; nothing changed, nothing runs.
 */
export function scriptJob(scope: Construct, id: string, p: ScriptJobProps): { config: ConfigMapV1; job: JobV1 } {
  // Everything the pod runs: files, image, command and env (a Secret reference or value change re-runs it too).
  const content = JSON.stringify([Object.keys(p.files).sort().map((f) => [f, p.files[f]]), p.image, p.command, jobEnv(p.env)]);
  const name = `${p.name}-${createHash('sha256').update(content).digest('hex').slice(0, 10)}`;
  const config = new ConfigMapV1(scope, `${id}-files`, { metadata: { name, namespace: p.namespace }, data: terraformLiteralData(p.files) });
  const labels = { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/managed-by': 'inference-stack' };
  const job = new JobV1(scope, id, {
    dependsOn: [...(p.dependsOn ?? []), config],
    metadata: { name, namespace: p.namespace, labels },
    waitForCompletion: true,
    timeouts: { create: p.timeout ?? '20m', update: p.timeout ?? '20m' },
    spec: {
      backoffLimit: p.backoffLimit ?? 3,
      ...(p.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: p.activeDeadlineSeconds } : {}),
      template: {
        metadata: { labels },
        spec: scriptPodSpec({ name: p.name, image: p.image, command: p.command, env: p.env, uid: p.uid, configMap: config.metadata.name, mountPath: p.mountPath, serviceAccount: p.serviceAccount }),
      },
    },
  });
  return { config, job };
}
