import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import type { Child } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { alertRules } from '../../../../src/core/alerts/index.ts';
import type { AlertSpec } from '../../../../src/core/alerts/index.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';

const envOf = (children: Child[], id: string): Record<string, string | undefined> => {
  const d = children.find((c) => kindAndName(c) === id);
  assert.ok(d, id);
  const env = (
    d['spec'] as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }
  ).template.spec.containers[0]!.env;
  return Object.fromEntries(env.map((e) => [e.name, e.value]));
};

describe("the consumers' alerts", () => {
  const alerts = [
    { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 70000 },
    { name: 'eth-jump', symbol: 'ETHUSDC', interval: '1h', field: 'change', window: 4, above: 3, below: -3 },
    { name: 'btc-rsi', symbol: 'BTCUSDC', interval: '1m', field: 'rsi', below: 30 },
  ];
  const cr = aCryptoStream({ intervals: ['1m', '1h'], alerts });
  const children = desiredState(cr, inputs);

  it("each interval's consumers get the alerts that watch it, the interval written out", () => {
    assert.deepEqual(JSON.parse(envOf(children, 'Deployment/demo-consumer-1m')['CRYPTOSTREAM_ALERTS']!), [
      { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 70000, interval: '1m' },
      { name: 'btc-rsi', symbol: 'BTCUSDC', interval: '1m', field: 'rsi', below: 30 },
    ]);
    assert.deepEqual(JSON.parse(envOf(children, 'Deployment/demo-consumer-1h')['CRYPTOSTREAM_ALERTS']!), [
      {
        name: 'eth-jump',
        symbol: 'ETHUSDC',
        interval: '1h',
        field: 'change',
        window: 4,
        above: 3,
        below: -3,
      },
    ]);
    assert.equal(envOf(children, 'Deployment/demo-producer')['CRYPTOSTREAM_ALERTS'], undefined);
  });

  it('resolve with the core’s alertRules, given only the consumer’s own interval', () => {
    const env = envOf(children, 'Deployment/demo-consumer-1h');
    const rules = alertRules({
      alerts: JSON.parse(env['CRYPTOSTREAM_ALERTS']!) as AlertSpec[],
      intervals: [env['CRYPTOSTREAM_INTERVAL'] as '1h'],
      indicators: cr.spec.indicators,
    });
    assert.ok(rules.ok);
    assert.deepEqual(
      rules.value.map((r) => [r.name, r.interval, r.source, r.window]),
      [['eth-jump', '1h', 'close', 4]],
    );
  });

  it('no alerts: an empty list; the topic named either way', () => {
    const none = desiredState(aCryptoStream(), inputs);
    assert.equal(envOf(none, 'Deployment/demo-consumer-1m')['CRYPTOSTREAM_ALERTS'], '[]');
    assert.equal(envOf(none, 'Deployment/demo-consumer-1m')['CRYPTOSTREAM_ALERTS_TOPIC'], 'alerts-1m');
    const external = desiredState(
      aCryptoStream({ kafka: { external: { bootstrapServers: 'kafka.example.com:9092' } } }),
      inputs,
    );
    assert.equal(
      envOf(external, 'Deployment/demo-consumer-1m')['CRYPTOSTREAM_ALERTS_TOPIC'],
      'cryptostream.markets.demo.alerts-1m',
    );
  });

  it("another interval's alert changes do not roll a consumer", () => {
    const moved = desiredState(
      aCryptoStream({ intervals: ['1m', '1h'], alerts: [alerts[0], { ...alerts[1], above: 5 }, alerts[2]] }),
      inputs,
    );
    assert.deepEqual(
      envOf(moved, 'Deployment/demo-consumer-1m'),
      envOf(children, 'Deployment/demo-consumer-1m'),
    );
    assert.notDeepEqual(
      envOf(moved, 'Deployment/demo-consumer-1h'),
      envOf(children, 'Deployment/demo-consumer-1h'),
    );
  });
});
