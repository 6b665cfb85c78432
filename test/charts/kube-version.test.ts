/**
 * The Kubernetes version a cluster needs: the highest lower bound among the pinned charts' `kubeVersion`
 * (Chart.yaml, in facts/upstream; Helm refuses to install a chart on an older cluster). README's Deploying
 * checklist states it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { chartFacts } from '../support/upstream';
import { REPO } from '../support/paths';
import { stacksOf } from '../support/synth';

/** The lower bound of a Helm kubeVersion constraint (`>= 1.22.0-0`, `>=v1.23.0-0`, `^1.25.0-0`) as [major, minor]. */
function lowerBound(constraint: string): [number, number] {
  const m = /(?:>=|\^)\s*v?(\d+)\.(\d+)/.exec(constraint);
  if (!m) throw new Error(`kubeVersion ${JSON.stringify(constraint)}: no lower bound understood`);
  return [Number(m[1]), Number(m[2])];
}

describe('the Kubernetes version the pinned charts need', () => {
  it('reads lower bounds of the constraint forms upstream uses', () => {
    expect(lowerBound('>= 1.16.0-0')).toEqual([1, 16]);
    expect(lowerBound('>=v1.23.0-0')).toEqual([1, 23]);
    expect(lowerBound('^1.25.0-0')).toEqual([1, 25]);
  });

  it('is the highest bound among the charts every preset installs, and the README checklist says it', () => {
    const bounds = Object.values(CHARTS).flatMap((c) => {
      const kubeVersion = chartFacts(c.upstreamData).chart.kubeVersion;
      return kubeVersion ? [{ chart: c.chart, bound: lowerBound(kubeVersion) }] : [];
    });
    const [major, minor] = bounds.map((b) => b.bound).sort((a, b) => b[0] - a[0] || b[1] - a[1])[0]!;
    const strictest = bounds.filter((b) => b.bound[0] === major && b.bound[1] === minor).map((b) => b.chart);
    // those charts are installed by every preset, so every environment needs that version
    for (const preset of ['dev', 'staging', 'prod']) {
      const charts = Object.values(stacksOf(preset)).flatMap((s) => Object.values((s.resource?.helm_release ?? {}) as Record<string, { chart: string }>).map((r) => r.chart));
      for (const chart of strictest) expect(charts, `${preset} installs ${chart}`).toContain(chart);
    }
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const deploying = readme.slice(readme.indexOf('## Deploying'));
    expect(deploying).toContain(`**Cluster**: Kubernetes ${major}.${minor} or newer`);
    for (const chart of strictest) expect(deploying).toContain(`\`${chart}\``);
  });
});
