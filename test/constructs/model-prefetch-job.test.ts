import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/env';
import { missingTool } from '../support/tools';
import { IMAGES, imageRef } from '../../catalog/images';
import { MultiNodeVllmServer } from '../../constructs/multi-node-vllm-server';
import { ModelPrefetchJob, PREFETCH_SCRIPT, prefetchPatterns, type ModelPrefetchJobProps } from '../../constructs/model-prefetch-job';
import { VllmServer } from '../../constructs/vllm-server';
import { readFacts } from '../support/upstream';
import { only, synthConstruct } from '../support/scope';
import { GB, llmProps, statefulSetOf } from '../support/servers';

const REV = '0e9e39f249a16976918f6564b8830bc894c89659';
const base: ModelPrefetchJobProps = {
  name: 'llama-8b',
  namespace: 'models',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  revision: REV,
  claim: { storageClass: 'nfs-rwx', sizeGiB: 30 },
  bytes: 16 * GB,
};
const synth = (p: ModelPrefetchJobProps) => synthConstruct((scope) => new ModelPrefetchJob(scope, 'prefetch', p)).resources;
const jobOf = (p: ModelPrefetchJobProps) => only(synth(p), 'kubernetes_job_v1');
const envOf = (c: { env: Array<{ name: string; value?: string }> }) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));

/** What fnmatch does with these patterns (`*` crosses `/`), to apply them to a repo listing here. */
const fnmatch = (name: string, pattern: string) => new RegExp(`^${pattern.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name);
const picks = (files: string[], p: { allow: readonly string[]; ignore: readonly string[] }) =>
  files.filter((f) => p.allow.some((a) => fnmatch(f, a)) && !p.ignore.some((i) => fnmatch(f, i)));

describe('ModelPrefetchJob', () => {
  it('fetches exactly the files the engine loads: safetensors, configs and tokenizer, not original/, pickles or a consolidated copy', () => {
    // Llama 3.1 8B Instruct's file list (the Hub's "Files and versions")
    const repo = ['config.json', 'generation_config.json', 'model-00001-of-00004.safetensors', 'model-00004-of-00004.safetensors', 'model.safetensors.index.json',
      'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'original/consolidated.00.pth', 'original/params.json', 'original/tokenizer.model', 'LICENSE', 'README.md', 'USE_POLICY.md'];
    expect(picks(repo, prefetchPatterns({ consolidated: false, trustRemoteCode: false }))).toEqual([
      'config.json', 'generation_config.json', 'model-00001-of-00004.safetensors', 'model-00004-of-00004.safetensors', 'model.safetensors.index.json',
      'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    const mistral = ['consolidated.safetensors', 'model-00001-of-00003.safetensors', 'params.json', 'tokenizer.model', 'pytorch_model.bin'];
    expect(picks(mistral, prefetchPatterns({ consolidated: true, trustRemoteCode: false }))).toEqual(['consolidated.safetensors', 'model-00001-of-00003.safetensors', 'params.json', 'tokenizer.model']);
    expect(picks(mistral, prefetchPatterns({ consolidated: false, trustRemoteCode: false }))).not.toContain('consolidated.safetensors');
    expect(picks(['modeling_x.py'], prefetchPatterns({ consolidated: false, trustRemoteCode: true }))).toEqual(['modeling_x.py']);
  });

  it('is named by a hash of model, revision and patterns: a new revision is a new Job, the same one the same Job', () => {
    const a = jobOf(base).metadata.name as string;
    expect(a).toMatch(/^llama-8b-prefetch-[0-9a-f]{8}$/);
    expect(jobOf({ ...base, claim: { existingClaim: 'models-cache' }, bytes: 1 }).metadata.name).toBe(a);
    expect(jobOf({ ...base, revision: 'f'.repeat(40) }).metadata.name).not.toBe(a);
    expect(jobOf({ ...base, model: 'meta-llama/Llama-3.1-70B-Instruct' }).metadata.name).not.toBe(a);
  });

  it('creates a ReadWriteMany claim of the declared class, or uses an existing claim', () => {
    const created = synth(base);
    const claim = only(created, 'kubernetes_persistent_volume_claim_v1');
    expect(claim.spec).toMatchObject({ access_modes: ['ReadWriteMany'], storage_class_name: 'nfs-rwx', resources: { requests: { storage: '30Gi' } } });
    expect(claim.wait_until_bound).toBe(false);
    const job = only(created, 'kubernetes_job_v1');
    expect(job.spec.template.spec.volume[0]).toEqual({ name: 'cache', persistent_volume_claim: { claim_name: 'llama-8b-model-cache' } });
    const existing = synth({ ...base, claim: { existingClaim: 'models-cache' } });
    expect(existing.kubernetes_persistent_volume_claim_v1).toBeUndefined();
    expect(only(existing, 'kubernetes_job_v1').spec.template.spec.volume[0].persistent_volume_claim.claim_name).toBe('models-cache');
  });

  it('Terraform waits for it, long enough for twice the planned download', () => {
    const job = jobOf({ ...base, bytes: 100 * GB, downloadBytesPerSecond: 100e6 });
    expect(job.wait_for_completion).toBe(true);
    expect(job.timeouts).toEqual({ create: '2600s', update: '2600s' });
  });

  it('runs the pinned vLLM image (it ships huggingface_hub) as the servers do under restricted Pod Security, token from a Secret', () => {
    const facts = readFacts('flags/vllm-image-main-6adad087.json') as { huggingface_cli: { hf: { present: boolean } } };
    expect(facts.huggingface_cli.hf.present).toBe(true);
    const spec = jobOf({ ...base, hfTokenSecret: { name: 'hf-token', key: 'token' } }).spec.template.spec;
    const c = spec.container[0];
    expect(c.image).toBe(imageRef(IMAGES.vllm));
    expect(c.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(spec.security_context).toMatchObject({ run_as_non_root: true, run_as_user: '2000', seccomp_profile: { type: 'RuntimeDefault' } });
    expect(c.security_context).toMatchObject({ allow_privilege_escalation: false, capabilities: { drop: ['ALL'] }, read_only_root_filesystem: true });
    expect(spec.automount_service_account_token).toBe(false);
    expect(c.env.find((e: { name: string }) => e.name === 'HF_TOKEN')).toEqual({ name: 'HF_TOKEN', value_from: { secret_key_ref: { name: 'hf-token', key: 'token' } } });
    expect(envOf(c)).toMatchObject({ MODEL: base.model, REVISION: REV, HF_HUB_CACHE: '/cache/hub', WRITABLE_DIRS: '["/cache/compile/llama-8b"]' });
  });

  it('its script logs bytes done and the rate, verifies sha256, has no Terraform template sequence, and lists no secret', () => {
    expect(PREFETCH_SCRIPT).toMatch(/MB\/s/);
    expect(PREFETCH_SCRIPT).toMatch(/sha256/);
    expect(PREFETCH_SCRIPT).not.toMatch(/[$%]\{/);
  });

  it('refuses a revision that is not a commit SHA', () => {
    expect(() => jobOf({ ...base, revision: 'main' })).toThrow(/not a commit SHA/);
  });
});

describe('servers on a shared cache', () => {
  const shared = llmProps({ replicas: 3, cache: { mode: 'shared', storageClass: 'nfs-rwx' }, load: { downloadBytes: 16 * GB, weightBytesPerGpu: 16 * GB, gpus: 1 } });

  it('mount the hub cache read-only and the model compile folder writable, run offline, and wait for the prefetch Job', () => {
    const { resources } = synthConstruct((scope) => new VllmServer(scope, 'server', shared));
    const sts = statefulSetOf(resources);
    const job = only(resources, 'kubernetes_job_v1');
    const c = sts.spec.template.spec.container[0];
    expect(c.volume_mount).toEqual(expect.arrayContaining([
      { name: 'cache', mount_path: '/cache', sub_path: 'compile/llama-8b' },
      { name: 'cache', mount_path: '/models', sub_path: 'hub', read_only: true },
    ]));
    expect(envOf(c)).toMatchObject({ HF_HUB_CACHE: '/models', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', VLLM_CACHE_ROOT: '/cache/vllm', TRITON_CACHE_DIR: '/cache/triton' });
    expect(sts.spec.template.spec.volume).toContainEqual({ name: 'cache', persistent_volume_claim: { claim_name: 'llama-8b-model-cache' } });
    expect(sts.spec.volume_claim_template).toBeUndefined();
    expect(sts.depends_on).toEqual([expect.stringMatching(/^kubernetes_job_v1\..*prefetch_job/)]);
    expect(job.metadata.name).toMatch(/^llama-8b-prefetch-/);
  });

  it('size the startup probe without the download: load + cold compile, against download + load + compile per replica', () => {
    // shared: 16e9 / 500e6 + 300 = 332 -> 340 s; per-replica: 16e9 / 100e6 + 32 + 300 = 492 -> 500 s
    const probe = (p: typeof shared) => statefulSetOf(synthConstruct((scope) => new VllmServer(scope, 'server', p)).resources).spec.template.spec.container[0].startup_probe;
    expect(probe(shared).failure_threshold * probe(shared).period_seconds).toBe(340);
    expect(probe(llmProps({ load: shared.load })).failure_threshold * 10).toBe(500);
  });

  it('size a created shared claim for two revisions (nothing prunes the old one): 2.2 x download + 10 GiB, against 1.2 x per replica', () => {
    // shared: ceil(2.2 x 16e9 / 2^30 = 32.78) + 10 = 43 GiB; per-replica: ceil(1.2 x 16e9 / 2^30 = 17.88) + 10 = 28 GiB
    const claim = only(synthConstruct((scope) => new VllmServer(scope, 'server', shared)).resources, 'kubernetes_persistent_volume_claim_v1');
    expect(claim.spec.resources.requests.storage).toBe('43Gi');
    expect(2 * 16 * GB * 1.1 + 10 * 2 ** 30).toBeLessThanOrEqual(43 * 2 ** 30);
    const perReplica = statefulSetOf(synthConstruct((scope) => new VllmServer(scope, 'server', llmProps({ load: shared.load }))).resources).spec.volume_claim_template[0];
    expect(perReplica.spec.resources.requests.storage).toBe('28Gi');
  });

  it('render vLLM\'s --ignore-patterns with the Job\'s ignore patterns, so vLLM offline expects exactly the files the Job fetched', () => {
    // vLLM's default ignore pattern is original/**/*, and fnmatch('original/x.safetensors', 'original/**/*') is false:
    // offline, huggingface_hub's snapshot_download(allow_patterns="*.safetensors", ignore_patterns=original/**/*)
    // expects gpt-oss's original/*.safetensors (listed in the cached tree the Job's own download wrote), which the
    // Job skipped: IncompleteSnapshotError. The same ignore list on both sides selects the same files.
    const gptOss = ['config.json', 'generation_config.json', 'model-00000-of-00014.safetensors', 'model-00014-of-00014.safetensors', 'model.safetensors.index.json',
      'original/config.json', 'original/dtypes.json', 'original/model--00001-of-00007.safetensors', 'original/model.safetensors.index.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja', 'LICENSE', 'README.md'];
    const jobFiles = picks(gptOss, prefetchPatterns({ consolidated: false, trustRemoteCode: false }));
    const vllmExpects = (ignore: readonly string[]) => gptOss.filter((f) => fnmatch(f, '*.safetensors') && !ignore.some((i) => fnmatch(f, i)));
    expect(vllmExpects(['original/**/*']).filter((f) => !jobFiles.includes(f))).toEqual(['original/model--00001-of-00007.safetensors']);

    const { resources } = synthConstruct((scope) => new VllmServer(scope, 'server', shared));
    const args: string[] = statefulSetOf(resources).spec.template.spec.container[0].args;
    const ignore = JSON.parse(envOf(only(resources, 'kubernetes_job_v1').spec.template.spec.container[0]).IGNORE!) as string[];
    // nargs="+" (vLLM's arg_utils turns a list field into space-separated values): one argument per pattern
    const at = args.indexOf('--ignore-patterns');
    expect(at).toBeGreaterThan(0);
    expect(args.slice(at + 1, at + 1 + ignore.length)).toEqual(ignore);
    expect(args[at + 1 + ignore.length] ?? '--').toMatch(/^--/);
    expect(vllmExpects(ignore).filter((f) => !jobFiles.includes(f))).toEqual([]);
    expect(readFacts<{ flags: string[] }>('flags/vllm-main-6adad087.json').flags).toContain('--ignore-patterns');
    // a per-replica cache keeps vLLM's own default
    const own = statefulSetOf(synthConstruct((scope) => new VllmServer(scope, 'server', llmProps({ load: shared.load }))).resources).spec.template.spec.container[0].args;
    expect(own).not.toContain('--ignore-patterns');
  });

  it('a multi-node group reads the same claim in every pod', () => {
    const props = llmProps({ tensorParallel: 8, pipelineParallel: 2, cache: { mode: 'shared', existingClaim: 'models-cache' } });
    const { resources } = synthConstruct((scope) => new MultiNodeVllmServer(scope, 'server', props));
    const lws = only(resources, 'kubernetes_manifest');
    const t = lws.manifest.spec.leaderWorkerTemplate;
    for (const pod of [t.leaderTemplate, t.workerTemplate]) {
      expect(pod.spec.volumes[0]).toEqual({ name: 'cache', persistentVolumeClaim: { claimName: 'models-cache' } });
      expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: 'cache', mountPath: '/models', subPath: 'hub', readOnly: true });
    }
    expect(lws.depends_on).toEqual([expect.stringMatching(/^kubernetes_job_v1\./)]);
  });

  it('refuses a shared cache without a ReadWriteMany claim to use or create', () => {
    expect(() => synthConstruct((scope) => new VllmServer(scope, 'server', llmProps({ cache: { mode: 'shared' } })))).toThrow(/ReadWriteMany/);
  });
});

const noPython = missingTool('python3', 'apt-get install -y python3');
describe.skipIf(noPython)('the prefetch script, run by python3 against a stub huggingface_hub', () => {
  /** Runs the script with huggingface_hub replaced by a stub whose download raises PermissionError on the cache. */
  const run = () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'huggingface_hub'));
    writeFileSync(join(dir, 'huggingface_hub', '__init__.py'), [
      'from types import SimpleNamespace as N',
      'class HfApi:',
      '    def model_info(self, repo, revision=None, files_metadata=False):',
      '        return N(siblings=[N(rfilename="model.safetensors", size=4, lfs=None, blob_id=None)])',
      'def snapshot_download(repo, revision=None, allow_patterns=None):',
      '    raise PermissionError(13, "Permission denied", "/cache/hub/models--m--x")',
      '',
    ].join('\n'));
    const env = { PATH: process.env.PATH, PYTHONPATH: dir, MODEL: 'm/x', REVISION: 'a'.repeat(40), ALLOW: '["*.safetensors"]', IGNORE: '[]', HF_HUB_CACHE: join(dir, 'hub'), WRITABLE_DIRS: '[]' };
    try {
      execFileSync('python3', ['-c', PREFETCH_SCRIPT], { env, encoding: 'utf8', stdio: 'pipe' });
      return { code: 0, stderr: '' };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { code: err.status, stderr: err.stderr };
    }
  };

  it('on PermissionError, exits 1 with what to fix on the storage class (fsGroup is ignored by many ReadWriteMany drivers), no traceback', () => {
    const r = run();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^prefetch: cannot write \/cache\/hub\/models--m--x as uid \d+/);
    expect(r.stderr).toMatch(/fsGroup/);
    expect(r.stderr).toMatch(/mountPermissions "0777"/);
    expect(r.stderr).toMatch(/access point/);
    expect(r.stderr).not.toMatch(/Traceback/);
  });
});
