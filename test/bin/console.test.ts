import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/inference-stack';
import { capacityReport } from '../../bin/commands/capacity';
import { secretList } from '../../bin/commands/secrets';
import { tempDir, writeEnvs } from '../support/env';
import { REPO } from '../support/paths';
import { presetEnv } from '../support/synth';
import { resolveEnvironment } from '../../environments/resolve';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('capacity', () => {
  it('reports per model the planner figures, per pool GPUs used and free (JSON)', async () => {
    const r = await run('capacity', '--env', 'prod', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.models.find((m: any) => m.model === 'llama-70b')).toEqual({
      model: 'llama-70b', engine: 'vllm', pool: 'h100', gpu: 'h100-80gb', tensorParallel: 4, pipelineParallel: 1, replicas: 2, nodesPerReplica: 1, quantization: 'fp8',
      // test/catalog/planner.test.ts works these out: 18,197,989,381 B of weights, 4,390,807,142 B of overhead (vLLM's
      // V2 runner), 53,928,193,338 B of KV cache per GPU = 658,303 tokens; likely: + the 0.25 GiB margin = 661,579 tokens
      maxModelLen: 131072, weightsPerGpuGiB: 16.9, overheadPerGpuGiB: 4.1, vllmRunner: 'v2', kvCachePerGpuGiB: 50.2,
      // outside the budget: 79.18 x 0.1 = 7.9 GiB - CUDA context with TP 1.5 - graphs captured there 2 = 4.4 GiB
      outsideBudgetPerGpuGiB: 4.4,
      vllmLikely: { kvCachePerGpuGiB: 50.5, kvCacheTokens: 661579 },
      kvCacheTokens: 658303, fullLengthSequences: 5, headroomPerGpuGiB: 40.2,
      // test/catalog/startup.test.ts works these out (shared cache: the budget leaves the download out)
      startup: { cacheMode: 'shared', bytesFetched: 141107412992, fetchedGiB: 131.4, downloadSeconds: 1412, loadSeconds: 283, compileSeconds: 300, warmCompileSeconds: 60, coldStartSeconds: 1994, warmStartSeconds: 343, probeBudgetSeconds: 590, overSlo: false },
    });
    expect(report.models.find((m: any) => m.model === 'gpt-oss-120b')).toMatchObject({ replicas: 2, autoscaling: { min: 2, max: 3 }, vllmRunner: 'v1', overheadPerGpuGiB: 7.6 });
    // h100: llama 2 x 4 + gpt-oss up to 3 x 2 + bge 2 = 16 of 24; MIG: qwen 2 of 16 slices
    expect(report.pools).toEqual([
      { pool: 'h100', gpu: 'h100-80gb', sharing: 'whole GPUs', resource: 'nvidia.com/gpu', gpus: 24, used: 16, free: 8 },
      { pool: 'a100-mig', gpu: 'a100-80gb', sharing: 'MIG 3g.40gb', resource: 'nvidia.com/gpu', gpus: 16, used: 2, free: 14 },
    ]);
  });

  it('prints a table for a person, without colour codes off a TTY', async () => {
    const r = await run('capacity', '--env', 'dev');
    expect(r.out).toMatch(/^dev: models\nmodel\s+engine\s+pool/);
    expect(r.out).toContain('qwen-7b  vllm    workstation');
    expect(r.out).not.toMatch(/\u001b\[/);
    expect(r.out).toMatch(/dev: pools\n/);
    expect(r.out).toContain('"vLLM likely" is what vLLM 0.27.1 will probably log at start');
    // qwen-7b on the RTX 4090 (21.9 GiB: no public log of its total on Linux): 0.9 x 21.9 - 1.75 GiB of V2 overhead -
    // 14.2 GiB of weights = 3.8 GiB = 70,761 tokens: two 32k sequences
    expect(capacityReport(resolveEnvironment(presetEnv('dev'))).models[0]!.fullLengthSequences).toBe(2);
  });

  it("is the output README's example shows (models and pools of prod)", async () => {
    const r = await run('capacity', '--env', 'prod');
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const shown = /\$ npx inference-stack capacity --env prod\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(shown, 'README has the capacity example').toBeDefined();
    expect(r.out.startsWith(shown!.trimEnd()), `README shows:\n${shown}\ncommand prints:\n${r.out}`).toBe(true);
  });
});

describe('diagram', () => {
  it('writes an SVG and Mermaid text naming every component', async () => {
    const dir = tempDir('diagram-');
    const r = await run('diagram', '--env', 'prod', '--out', dir);
    expect(r.code).toBe(0);
    // Graphviz writes "-" as a character reference
    const svg = readFileSync(join(dir, 'prod.svg'), 'utf8').replaceAll('&#45;', '-');
    const mmd = readFileSync(join(dir, 'prod.mmd'), 'utf8');
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    for (const name of ['llama-70b', 'gpt-oss-120b', 'qwen-7b', 'bge-large', 'h100: 3 x 8 h100-80gb', 'a100-mig', 'LiteLLM gateway', 'Caddy edge (mTLS)', 'pgvector', 'Prometheus + Grafana', 'Postgres (keys, spend)']) {
      expect(svg, name).toContain(name);
      expect(mmd, name).toContain(name);
    }
    expect(mmd.split('\n')[0]).toBe('flowchart LR');
  });

  it('puts the PII guardrail between the gateway and the hosted APIs: no path to a hosted API skips it', async () => {
    const { architecture, mermaid } = await import('../../bin/commands/diagram');
    const resolved = resolveEnvironment(presetEnv('prod'));
    const { nodes, edges } = architecture(resolved);
    const hosted = nodes.filter((n) => n.group === 'hosted');
    expect(hosted.map((n) => n.label)).toEqual(['gpt-4o (openai)']);
    const guard = nodes.find((n) => n.group === 'guardrails')!;
    expect(guard.label).toBe('PII guardrail pii: mask 8 entities (Presidio)');
    expect(edges).toContainEqual({ from: 'gateway', to: guard.id, label: 'prompts to hosted APIs' });
    // every edge into a hosted API comes from the guardrail
    for (const h of hosted) expect(edges.filter((e) => e.to === h.id).map((e) => e.from)).toEqual([guard.id]);
    expect(mermaid(resolved)).toContain(`n_${guard.id} --> n_${hosted[0]!.id}`);
    // without a guardrail, the gateway calls the hosted API directly, and the diagram says so
    const bare = presetEnv('prod');
    bare.gateway.guardrails = [];
    const plain = architecture(resolveEnvironment(bare));
    expect(plain.nodes.filter((n) => n.group === 'guardrails')).toEqual([]);
    expect(plain.edges).toContainEqual({ from: 'gateway', to: hosted[0]!.id, label: 'no PII guardrail' });
  });

  it('the README embeds the current prod diagram', async () => {
    const dir = tempDir('diagram-');
    await run('diagram', '--env', 'prod', '--out', dir);
    expect(readFileSync(join(REPO, 'docs', 'prod-architecture.svg'), 'utf8')).toBe(readFileSync(join(dir, 'prod.svg'), 'utf8'));
    expect(readFileSync(join(REPO, 'README.md'), 'utf8')).toContain('docs/prod-architecture.svg');
  });
});

describe('diff', () => {
  it('shows the effective config and the resources per stack that differ', async () => {
    const r = await run('diff', 'staging', 'prod', '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.config).toContainEqual({ path: 'stage', from: 'staging', to: 'prod' });
    expect(d.config).toContainEqual({ path: 'vectorStore.type', from: 'qdrant', to: 'pgvector' });
    const models = d.stacks.find((s: any) => s.layer === 'models');
    expect(models.added).toContain('kubernetes_stateful_set_v1.model-llama-70b/workload/statefulset');
    expect(models.removed).toContain('kubernetes_stateful_set_v1.model-mistral-7b/workload/statefulset');
    const edge = d.stacks.find((s: any) => s.layer === 'edge');
    expect(edge.removed).toContain('kubernetes_manifest.caddy/certificate');
  });

  it('names the changed attribute of a fork that changes only its cluster context', async () => {
    const { fork } = writeEnvs({ fork: { extends: 'dev', kubernetes: { context: 'laptop' } } });
    const r = await run('diff', 'dev', fork!);
    expect(r.out).toContain('  kubernetes.context: "dev" -> "laptop"');
    expect(r.out).toMatch(/stack <env>-platform:\n(.*\n)* {2}~ provider\.kubernetes\n {6}\[0\]\.config_context: "dev" -> "laptop"/);
    // the state of a fork is its own
    expect(r.out).toContain('local.path: "../../../terraform.dev-platform.tfstate" -> "../../../terraform.fork-platform.tfstate"');
  });
});

describe('images', () => {
  it('lists every image and chart with versions and repositories, for mirroring (JSON)', async () => {
    const r = await run('images', '--env', 'prod', '--json');
    const l = JSON.parse(r.out);
    expect(l.images).toEqual(expect.arrayContaining(['vllm/vllm-openai:v0.27.1', 'ghcr.io/huggingface/text-embeddings-inference:hopper-1.9.3', 'caddy:2.11.4-alpine', 'ghcr.io/cloudnative-pg/postgresql:17.5']));
    for (const i of [...l.images, ...l.chartImages]) expect(i).not.toMatch(/:latest$/);
    expect(l.charts).toContainEqual({ chart: 'gpu-operator', repository: 'https://helm.ngc.nvidia.com/nvidia', version: 'v26.7.0' });
    // the two Postgres clusters share one chart version: listed once
    expect(l.charts.map((c: any) => c.chart)).toEqual(['cloudnative-pg', 'cluster', 'fluent-bit', 'gpu-operator', 'keda', 'kube-prometheus-stack', 'litellm-helm']);
    // prod ships logs: the shipper's image is pinned in its chart values
    expect(l.chartImages).toContain('cr.fluentbit.io/fluent/fluent-bit:5.1.1');
  });

  it('lists the images inside raw manifests and nested chart pins (multi-node fixture)', async () => {
    const r = await run('images', '--env', join(REPO, 'test/fixtures/environments/multi-node.yaml'), '--json');
    const l = JSON.parse(r.out);
    expect(l.images).toContain('vllm/vllm-openai:v0.27.1');
    expect(l.chartImages).toContain('registry.k8s.io/lws/lws:v0.10.0');
  });
});

/**
 * A kubectl on PATH that knows the contexts, answers /version, and has the Secrets given (namespace/name -> key
 * names); any other Secret is NotFound. Returns the folder, to put first on PATH.
 */
function fakeKubectl(secrets: Record<string, string[]>, reachable = true): string {
  const bin = tempDir('kubectl-');
  for (const [id, keys] of Object.entries(secrets)) writeFileSync(join(bin, id.replace('/', '.')), keys.map((k) => `${k}\n`).join(''));
  writeFileSync(
    join(bin, 'kubectl'),
    `#!/bin/sh
case "$*" in *get-contexts*) printf 'dev\\nstaging\\nprod\\n'; exit 0;; esac
case "$*" in *"version --client"*) echo "Client Version: v1.32.0"; exit 0;; esac
case "$*" in *"--raw /version"*) ${reachable ? `echo '{"gitVersion": "v1.32.0"}'; exit 0` : `echo 'Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout' >&2; exit 1`};; esac
ns=""; name=""; prev=""
for a in "$@"; do
  [ "$prev" = "-n" ] && ns="$a"
  [ "$prev" = "secret" ] && name="$a"
  prev="$a"
done
if [ -f "${bin}/$ns.$name" ]; then cat "${bin}/$ns.$name"; exit 0; fi
echo "Error from server (NotFound): secrets \"$name\" not found" >&2; exit 1
`,
  );
  chmodSync(join(bin, 'kubectl'), 0o755);
  return bin;
}

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = path;
  }
}

/** Every required Secret of a preset, with its keys: a cluster where the user made them all. */
function allSecrets(preset: string): Record<string, string[]> {
  return Object.fromEntries(secretList(resolveEnvironment(presetEnv(preset))).filter((s) => s.required).map((s) => [`${s.namespace}/${s.name}`, [...s.keys]]));
}

describe('secrets', () => {
  it('lists every Secret of prod with keys, readers and the command to make it (JSON)', async () => {
    const r = await run('secrets', '--env', 'prod', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(list.find((s) => s.name === 'litellm-master-key')).toEqual({
      namespace: 'gateway', name: 'litellm-master-key', type: 'generic', keys: ['master-key'], readers: ['LiteLLM gateway and its bootstrap Job (master key)'], required: true,
      command: 'kubectl -n gateway create secret generic litellm-master-key --from-literal=master-key="sk-$(openssl rand -hex 24)"',
    });
    expect(list.find((s) => s.name === 'rag-db-app')).toMatchObject({ required: false, createdBy: 'CloudNativePG' });
    // 12, plus the Langfuse keys (tracing) and the Splunk HEC token (logs)
    expect(list.filter((s) => s.required)).toHaveLength(14);
  });

  it('prints a table and the commands for a person', async () => {
    const r = await run('secrets', '--env', 'staging');
    expect(r.out).toMatch(/^staging: Secrets\nnamespace\s+secret\s+type\s+keys\s+required\s+read by\n/);
    expect(r.out).toMatch(/^monitoring\s+grafana-admin\s+generic\s+admin-password, admin-user\s+yes\s+Grafana admin/m);
    expect(r.out).toMatch(/^edge\s+edge-tls\s+tls\s+tls\.crt, tls\.key\s+no \(created by cert-manager\)/m);
    expect(r.out).toContain('after the staging-namespaces stack is applied');
    expect(r.out).toMatch(/^kubectl -n models create secret generic hf-token --from-literal=token='<Hugging Face token>'$/m);
  });
});

describe('doctor', () => {
  it('names the missing Secrets when the cluster is reachable, and passes once they exist', async () => {
    const tools = tempDir('tools-');
    for (const [tool, text] of [['terraform', 'Terraform v1.11.4'], ['helm', 'v3.17.0']] as const) {
      writeFileSync(join(tools, tool), `#!/bin/sh\necho "${text}"\n`);
      chmodSync(join(tools, tool), 0o755);
    }
    const secrets = allSecrets('dev');
    const [lastId] = Object.keys(secrets).slice(-1);
    const some = { ...secrets };
    delete some[lastId!];
    const missing = await withPath(`${fakeKubectl(some)}:${tools}`, () => run('doctor', '--env', 'dev'));
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(new RegExp(`^FAIL secrets: dev: 1 Secret the deploy reads is missing, .*${lastId!.replace('/', '\\/')} \\(read by`, 'm'));
    const ok = await withPath(`${fakeKubectl(secrets)}:${tools}`, () => run('doctor', '--env', 'dev'));
    expect(ok.out).toMatch(/^ok {3}secrets: all \d+ required Secrets exist with their keys$/m);
    expect(ok.code).toBe(0);
    const away = await withPath(`${fakeKubectl(secrets, false)}:${tools}`, () => run('doctor', '--env', 'dev'));
    expect(away.out).toMatch(/^warn secrets: not checked: cluster of context "dev" not reachable: Unable to connect/m);
    expect(away.code).toBe(0);
  });

  it('fails and says what stops working when terraform is missing; passes with the tools in place', async () => {
    const bin = tempDir('bin-');
    const empty = tempDir('empty-');
    const path = process.env.PATH;
    try {
      process.env.PATH = empty;
      const missing = await run('doctor');
      expect(missing.code).toBe(1);
      expect(missing.out).toMatch(/^FAIL terraform: not found; without it: deploy and destroy/m);
      for (const [tool, text] of [['terraform', 'Terraform v1.11.4'], ['helm', 'v3.17.0']] as const) {
        writeFileSync(join(bin, tool), `#!/bin/sh\necho "${text}"\n`);
        chmodSync(join(bin, tool), 0o755);
      }
      process.env.PATH = `${fakeKubectl(allSecrets('dev'))}:${bin}:${path}`;
      const ok = await run('doctor', '--env', 'dev');
      expect(ok.out).toMatch(/^ok {3}terraform: Terraform v1\.11\.4$/m);
      expect(ok.out).toMatch(/^ok {3}context dev: found in the kubeconfig$/m);
      expect(ok.code).toBe(0);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('deploy and destroy: Terraform per stack, in the folder the user runs in', () => {
  const here = process.cwd();
  let team: string;
  let log: string;
  let fakeBin: string;
  beforeEach(() => {
    team = realpathSync(tempDir('team-'));
    process.chdir(team);
    delete process.env.INFERENCE_STACK_TERRAFORM;
    // a terraform that records where it ran and its arguments; FAIL_AT makes one call fail
    fakeBin = tempDir('terraform-');
    log = join(fakeBin, 'calls.log');
    writeFileSync(join(fakeBin, 'terraform'), `#!/bin/sh\necho "$(pwd) $*" >> ${log}\ncase "$*" in *"$FAIL_AT"*) [ -n "$FAIL_AT" ] && exit 3;; esac\nexit 0\n`);
    chmodSync(join(fakeBin, 'terraform'), 0o755);
  });
  afterEach(() => {
    process.chdir(here);
    delete process.env.FAIL_AT;
  });
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  const steps = (out: string, stacks: string[], verb: string, extra = '') => stacks.flatMap((s) => [`${team} -chdir=${join(team, out, 'stacks', s)} init -input=false`, `${team} -chdir=${join(team, out, 'stacks', s)} ${verb}${extra}`]);
  const LAYERS = ['namespaces', 'platform', 'gpu-pools', 'models', 'rag', 'gateway', 'edge', 'observability'];

  it('synthesizes into the team folder, then runs terraform init and apply per stack in dependency order, passing flags through', async () => {
    const r = await withPath(`${fakeKubectl(allSecrets('staging'))}:${fakeBin}`, () => run('deploy', '--env', 'staging', '--', '-auto-approve'));
    expect(r.err).toContain('deploy: 8 stacks in order: staging-namespaces -> staging-platform -> staging-gpu-pools');
    expect(r.code).toBe(0);
    expect(calls()).toEqual(steps('cdktf.out', LAYERS.map((l) => `staging-${l}`), 'apply', ' -auto-approve'));
    for (const l of LAYERS) expect(existsSync(join(team, 'cdktf.out', 'stacks', `staging-${l}`, 'cdk.tf.json')), l).toBe(true);
    // the local backend keeps each stack's state in the folder above the output, here the team's
    const ns = JSON.parse(readFileSync(join(team, 'cdktf.out', 'stacks', 'staging-namespaces', 'cdk.tf.json'), 'utf8'));
    expect(ns.terraform.backend).toBeDefined();
    expect(calls().every((c) => !c.includes(REPO))).toBe(true);
  });

  it("a second deploy keeps each stack's Terraform working files (.terraform/, the lock file) across the re-synth", async () => {
    expect((await withPath(fakeBin, () => run('deploy', '--env', 'dev', '--skip-secret-check'))).code).toBe(0);
    const stack = join(team, 'cdktf.out', 'stacks', 'dev-models');
    // what terraform init leaves: downloaded providers and the dependency lock file
    mkdirSync(join(stack, '.terraform', 'providers'), { recursive: true });
    writeFileSync(join(stack, '.terraform', 'providers', 'marker'), 'downloaded');
    writeFileSync(join(stack, '.terraform.lock.hcl'), '# lock\n');
    expect((await withPath(fakeBin, () => run('deploy', '--env', 'dev', '--skip-secret-check'))).code).toBe(0);
    expect(readFileSync(join(stack, '.terraform', 'providers', 'marker'), 'utf8')).toBe('downloaded');
    expect(readFileSync(join(stack, '.terraform.lock.hcl'), 'utf8')).toBe('# lock\n');
    expect(existsSync(join(stack, 'cdk.tf.json'))).toBe(true);
  });

  it('deploys an environment file from anywhere into --out, relative to where it runs', async () => {
    const { fork } = writeEnvs({ fork: { extends: 'dev', kubernetes: { context: 'laptop' } } }, join(team, '..'));
    const r = await withPath(fakeBin, () => run('deploy', '--env', '../fork.yaml', '--out', 'build', '--skip-secret-check'));
    expect(r.code, r.err).toBe(0);
    expect(fork).toBe(join(team, '..', 'fork.yaml'));
    expect(calls()).toEqual(steps('build', LAYERS.map((l) => `fork-${l}`), 'apply'));
  });

  it('stops at the first stack terraform fails on, with its exit code, naming the stacks not applied', async () => {
    process.env.FAIL_AT = 'dev-gateway apply';
    const r = await withPath(fakeBin, () => run('deploy', '--env', 'dev', '--skip-secret-check'));
    expect(r.code).toBe(3);
    expect(calls().at(-1)).toMatch(/dev-gateway apply$/);
    expect(r.err).toMatch(/deploy stopped: terraform apply of dev-gateway exited 3; not applied: dev-edge, dev-observability\n$/);
  });

  it('on a fresh cluster, applies the namespaces stack and stops naming each missing Secret and its command', async () => {
    const secrets = allSecrets('prod');
    delete secrets['gateway/litellm-master-key'];
    secrets['models/hf-token'] = ['wrong-key'];
    const r = await withPath(`${fakeKubectl(secrets)}:${fakeBin}`, () => run('deploy', '--env', 'prod', '--', '-auto-approve'));
    expect(r.code).toBe(1);
    // only the namespaces stack ran: Helm never waited on a pod that cannot start
    expect(calls()).toEqual(steps('cdktf.out', ['prod-namespaces'], 'apply', ' -auto-approve'));
    const paragraph = r.err.trim().split('\n').at(-1)!;
    expect(paragraph).toMatch(/^prod: 2 Secrets the deploy reads are missing, so Helm would wait for pods that cannot start and roll back: /);
    expect(paragraph).toContain('gateway/litellm-master-key (read by LiteLLM gateway and its bootstrap Job (master key); make it with: kubectl -n gateway create secret generic litellm-master-key --from-literal=master-key="sk-$(openssl rand -hex 24)")');
    expect(paragraph).toContain("models/hf-token lacks key token (read by model llama-70b; delete it and make it again: kubectl -n models create secret generic hf-token --from-literal=token='<Hugging Face token>')");
    expect(paragraph).toMatch(/then deploy again\.$/);
  });

  it('stops before terraform when the cluster cannot be asked, unless told to skip the check', async () => {
    const r = await withPath(`${fakeKubectl({}, false)}:${fakeBin}`, () => run('deploy', '--env', 'dev'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^cannot check the Secrets of "dev" before deploying: cluster of context "dev" not reachable: Unable to connect .* or deploy with --skip-secret-check\.\n$/);
    expect(calls()).toEqual([]);
    const skipped = await withPath(`${fakeKubectl({}, false)}:${fakeBin}`, () => run('deploy', '--env', 'dev', '--skip-secret-check'));
    expect(skipped.code).toBe(0);
    expect(calls()[1]).toMatch(/dev-namespaces apply$/);
  });

  it('deploys one layer, or a few, with --stack: in dependency order, the others left as deployed', async () => {
    const one = await withPath(fakeBin, () => run('deploy', '--env', 'prod', '--stack', 'gateway', '--skip-secret-check', '--', '-auto-approve'));
    expect(one.code).toBe(0);
    expect(calls()).toEqual(steps('cdktf.out', ['prod-gateway'], 'apply', ' -auto-approve'));
    rmSync(log);
    expect((await withPath(fakeBin, () => run('deploy', '--env', 'prod', '--stack', 'edge', '--stack', 'prod-gateway', '--skip-secret-check'))).code).toBe(0);
    expect(calls()).toEqual(steps('cdktf.out', ['prod-gateway', 'prod-edge'], 'apply'));
  });

  it('refuses an unknown --stack, naming the layers', async () => {
    const r = await withPath(fakeBin, () => run('deploy', '--env', 'prod', '--stack', 'gatway', '--skip-secret-check'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^--stack gatway: prod has no stack "prod-gatway"; its layers: namespaces, platform, gpu-pools, models, rag, gateway, edge, observability\n/);
    expect(calls()).toEqual([]);
    const refused = await withPath(fakeBin, () => run('destroy', '--env', 'prod', '--stack', 'rag'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^refusing to destroy prod-rag of prod environment "prod"/);
  });

  it('destroys in reverse order', async () => {
    expect((await withPath(fakeBin, () => run('destroy', '--env', 'dev'))).code).toBe(0);
    expect(calls()).toEqual(steps('cdktf.out', LAYERS.map((l) => `dev-${l}`).reverse(), 'destroy'));
  });

  it('refuses to destroy prod stateful stacks unless forced', async () => {
    const refused = await withPath(fakeBin, () => run('destroy', '--env', 'prod'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^refusing to destroy prod-gateway, prod-rag and prod-namespaces of prod environment "prod": .* run destroy --force to go ahead\.\n$/);
    expect(refused.err).not.toMatch(/\n\s+at /);
    expect(calls()).toEqual([]);
    const forced = await withPath(fakeBin, () => run('destroy', '--env', 'prod', '--force'));
    expect(forced.code).toBe(0);
    expect(calls()[1]).toMatch(/prod-observability destroy$/);
  });

  it('explains a missing terraform in one paragraph: what to install, the variable to point at it', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('empty-');
    try {
      const r = await run('deploy', '--env', 'dev', '--skip-secret-check');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^cannot deploy: the terraform command was not found on PATH\. .*developer\.hashicorp\.com\/terraform\/install.* INFERENCE_STACK_TERRAFORM.*\n$/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      process.env.INFERENCE_STACK_TERRAFORM = join(fakeBin, 'terraform');
      expect((await run('deploy', '--env', 'dev', '--skip-secret-check')).code).toBe(0);
      expect(calls()).toHaveLength(16);
    } finally {
      process.env.PATH = path;
      delete process.env.INFERENCE_STACK_TERRAFORM;
    }
  });

  it('an invalid environment is not deployed: located problems, nothing synthesized, terraform never runs', async () => {
    const { bad } = writeEnvs({ bad: { extends: 'prod', name: 'bad', backend: { type: 'local' } } }, team);
    const r = await withPath(fakeBin, () => run('deploy', '--env', bad!, '--skip-secret-check'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^bad\.yaml:\d+: backend\.type: "local"/);
    expect(calls()).toEqual([]);
    expect(existsSync(join(team, 'cdktf.out'))).toBe(false);
  });
});

describe('errors', () => {
  it('answers an unknown command with the usage, exit 2', async () => {
    const r = await run('deploi');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^unknown command "deploi"\nusage: inference-stack <command>/);
  });

  it('reports a bad environment as located problems, without a stack trace', async () => {
    const { bad } = writeEnvs({ bad: { name: 'bad', stage: 'qa' } });
    const r = await run('capacity', '--env', bad!);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml:\d+: stage: unknown stage "qa"/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('shows the stack trace only with --debug', async () => {
    fakeTerraformMissing();
    const here = process.cwd();
    process.chdir(tempDir('team-'));
    let plain, debug;
    try {
      plain = await run('deploy', '--env', 'dev', '--skip-secret-check');
      debug = await run('deploy', '--env', 'dev', '--skip-secret-check', '--debug');
    } finally {
      process.chdir(here);
      delete process.env.INFERENCE_STACK_TERRAFORM;
    }
    expect(plain.err).not.toMatch(/\n\s+at /);
    expect(debug.err).toMatch(/\n\s+at /);
  });
});

function fakeTerraformMissing() {
  process.env.INFERENCE_STACK_TERRAFORM = join(tempDir('none-'), 'no-such-terraform');
}

describe('the installed command', () => {
  it('runs as npx inference-stack (bin in package.json)', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(pkg.bin['inference-stack']).toBe('bin/inference-stack.cjs');
    const r = await execa('node', [join(REPO, pkg.bin['inference-stack']), 'capacity', '--env', 'dev', '--json'], { cwd: REPO, reject: false });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).environment).toBe('dev');
  });
});
