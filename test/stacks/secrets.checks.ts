/** The declared Secrets of an environment against the Secrets its synthesized output names. */
import { describe, expect, it } from 'vitest';
import { createCommand } from '../../stacks/secrets';
import { secretReads } from '../support/first-apply';
import { DEPLOYABLE, synthesisOf } from '../support/synth';

describe.each(DEPLOYABLE)('Secrets of %s', (name) => {
  const { texts, secrets } = synthesisOf(name);
  const reads = secretReads(Object.entries(texts).map(([stack, text]) => ({ name: stack, dependencies: [], json: JSON.parse(text) })));

  it('lists exactly the Secrets the output names, each key it reads among the listed keys', () => {
    expect(secrets.map((s) => `${s.namespace}/${s.name}`).sort()).toEqual([...reads.keys()].sort());
    for (const s of secrets) for (const key of reads.get(`${s.namespace}/${s.name}`) ?? []) expect(s.keys, `${s.namespace}/${s.name}`).toContain(key);
  });

  it('says how to make every user-made Secret, with placeholders or generators, never a value', () => {
    for (const s of secrets) {
      expect(s.readers.length, s.name).toBeGreaterThan(0);
      if (s.required) {
        expect(s.command).toMatch(new RegExp(`^kubectl -n ${s.namespace} create secret (generic|tls) ${s.name} `));
        for (const key of s.keys) expect(s.command, `${s.name} ${key}`).toMatch(s.type === 'tls' ? /--cert=tls\.crt --key=tls\.key$/ : new RegExp(`--from-(literal|file)=${key.replace('.', '\\.')}=('<[^>]+>'|"[^"]*\\$\\(openssl rand [^"]+"|[\\w.-]+)( |$)`));
      } else {
        expect(s.createdBy, s.name).toMatch(/^(CloudNativePG|cert-manager)$/);
        expect(s.command).toBeUndefined();
      }
    }
  });
});

describe('the Secrets list', () => {
  it('names the Secrets of the prod preset, user-made first, the operators\' last', () => {
    const { secrets } = synthesisOf('prod');
    expect(secrets.map((s) => `${s.required ? 'user' : s.createdBy} ${s.namespace}/${s.name}`)).toEqual([
      'user edge/client-ca',
      'user edge/edge-tls',
      'user gateway/gateway-key-search-backend',
      'user gateway/gateway-key-search-indexer',
      'user gateway/gateway-key-support-bot',
      'user gateway/langfuse-keys',
      'user gateway/litellm-master-key',
      'user gateway/openai-api-key',
      'user logging/splunk-hec',
      'user models/hf-token',
      'user monitoring/alertmanager-pagerduty',
      'user monitoring/alertmanager-slack',
      'user monitoring/grafana-admin',
      'user rag/rag-backup-s3',
      'CloudNativePG gateway/litellm-db-app',
      'CloudNativePG rag/rag-db-app',
    ]);
    // tracing and logs: both Langfuse keys in one Secret, the Splunk HEC token in the shipper's namespace
    expect(secrets.find((s) => s.name === 'langfuse-keys')!.command).toBe("kubectl -n gateway create secret generic langfuse-keys --from-literal=public-key='<Langfuse project public key (pk-lf-...)>' --from-literal=secret-key='<Langfuse project secret key (sk-lf-...)>'");
    expect(secrets.find((s) => s.name === 'splunk-hec')!.readers).toEqual(['Fluent Bit (splunk sink)']);
    expect(secrets.find((s) => s.name === 'grafana-admin')!.command).toBe('kubectl -n monitoring create secret generic grafana-admin --from-literal=admin-password="$(openssl rand -hex 32)" --from-literal=admin-user=admin');
  });

  it('merges the readers of one Secret (staging: Qdrant and its PodMonitor share the API key)', () => {
    const { secrets } = synthesisOf('staging');
    const qdrant = secrets.find((s) => s.name === 'qdrant-api-key')!;
    expect(qdrant.readers).toEqual(['Prometheus (Qdrant PodMonitor bearer token)', 'Qdrant, its collections Job and snapshot CronJob (API key)']);
    expect(secrets.find((s) => s.name === 'edge-tls')).toMatchObject({ required: false, createdBy: 'cert-manager', type: 'tls' });
  });

  it('quotes a plain value that the shell would split', () => {
    expect(createCommand({ namespace: 'ns', name: 'x', type: 'generic', keys: { k: { literal: "it's two words" } } })).toBe("kubectl -n ns create secret generic x --from-literal=k='it'\\''s two words'");
  });
});
