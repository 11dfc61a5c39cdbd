import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';

describe('the PodMonitor of a stream', () => {
  const cr = aCryptoStream({ intervals: ['1m', '1h'] });

  it('exists only where the cluster serves PodMonitors', () => {
    assert.equal(
      desiredState(cr, inputs).some((c) => c.kind === 'PodMonitor'),
      false,
    );
    const monitors = desiredState(cr, { ...inputs, podMonitorInstalled: true }).filter(
      (c) => c.kind === 'PodMonitor',
    );
    assert.deepEqual(monitors.map(kindAndName), ['PodMonitor/demo-workers']);
  });

  it("selects the stream's producer and consumer pods and scrapes their http port's /metrics", () => {
    const [monitor] = desiredState(cr, { ...inputs, podMonitorInstalled: true }).filter(
      (c) => c.kind === 'PodMonitor',
    );
    assert.equal(monitor!.apiVersion, 'monitoring.coreos.com/v1');
    assert.deepEqual(monitor!['spec'], {
      selector: {
        matchLabels: { 'cryptostream.io/stream': 'demo' },
        matchExpressions: [
          { key: 'app.kubernetes.io/component', operator: 'In', values: ['producer', 'consumer'] },
        ],
      },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    });
    // Every worker pod matches it, and no other pod of the stream does.
    const matches = (labels: Record<string, string>) =>
      labels['cryptostream.io/stream'] === 'demo' &&
      ['producer', 'consumer'].includes(labels['app.kubernetes.io/component'] ?? '');
    for (const c of desiredState(cr, inputs)) {
      const template = (c['spec'] as { template?: { metadata?: { labels?: Record<string, string> } } })
        ?.template;
      if (c.kind !== 'Deployment' && c.kind !== 'StatefulSet') continue;
      const labels = template!.metadata!.labels!;
      assert.equal(matches(labels), /-(producer|consumer)/.test(c.metadata.name), kindAndName(c));
      if (matches(labels)) {
        const ports = (
          c['spec'] as { template: { spec: { containers: { ports: { name: string }[] }[] } } }
        ).template.spec.containers[0]!.ports.map((p) => p.name);
        assert.ok(ports.includes('http'), kindAndName(c));
      }
    }
  });
});
