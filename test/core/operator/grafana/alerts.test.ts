import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Child } from '../../../../src/core/operator/child.ts';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { alertRules } from '../../../../src/core/operator/grafana/alerts.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';

type Rule = {
  uid: string;
  title: string;
  data: { relativeTimeRange?: { from: number }; model: { query?: string; conditions?: unknown[] } }[];
  noDataState: string;
  labels: Record<string, string>;
  annotations: { summary: string };
};
type Alerting = {
  groups: { name: string; rules: Rule[] }[];
  contactPoints?: { orgId: number; name: string; receivers: Record<string, unknown>[] }[];
  policies?: Record<string, unknown>[];
};

const find = (children: Child[], id: string): Child & Record<string, unknown> => {
  const found = children.find((c) => kindAndName(c) === id);
  assert.ok(found, `${id} is desired`);
  return found as Child & Record<string, unknown>;
};
const alertingOf = (spec: Record<string, unknown>): Alerting =>
  parse(
    (
      find(desiredState(aCryptoStream(spec), inputs), 'ConfigMap/demo-grafana-provisioning')[
        'data'
      ] as Record<string, string>
    )['alerting.yaml']!,
  ) as Alerting;
type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
const grafanaEnvOf = (spec: Record<string, unknown>): Env[] =>
  (
    find(desiredState(aCryptoStream(spec), inputs), 'Deployment/demo-grafana')['spec'] as {
      template: { spec: { containers: { env: Env[] }[] } };
    }
  ).template.spec.containers[0]!.env;

describe('the change alert as a Grafana rule', () => {
  const change = { name: 'btc-jump', symbol: 'BTCUSDC', interval: '15m', field: 'change', window: 4 };
  const cr = aCryptoStream({ intervals: ['1m', '15m'], alerts: [{ ...change, above: 2, below: -2 }] });
  const rule = alertRules(cr).groups[0]!.rules[0]!;

  it('compares the newest close with the one window candles earlier, in percent', () => {
    const query = rule.data[0]!.model.query!;
    assert.match(query, /r\.coin == "BTCUSDC" and r\.interval == "15m"/);
    assert.match(query, /r\._field == "close"/);
    assert.match(query, /tail\(n: 5\)/);
    assert.match(query, /r\.n == 5/);
    assert.match(query, /100\.0 \* \(r\.close - r\.base\) \/ r\.base/);
    assert.deepEqual(rule.data[2]!.model.conditions, [
      { evaluator: { type: 'outside_range', params: [-2, 2] } },
    ]);
    assert.equal(rule.annotations.summary, 'BTCUSDC 15m change over 4 candles (%) above 2 below -2');
  });

  it('reads window + 1 candles and a few more, at least an hour', () => {
    assert.equal(rule.data[0]!.relativeTimeRange!.from, 7 * 900);
    const long = aCryptoStream({ alerts: [{ ...change, interval: '1m', window: 300, above: 1 }] });
    assert.equal(alertRules(long).groups[0]!.rules[0]!.data[0]!.relativeTimeRange!.from, 303 * 60);
  });

  it('keeps the rules of the other kinds as they were', () => {
    const close = alertRules(
      aCryptoStream({ alerts: [{ name: 'x', symbol: 'BTCUSDC', field: 'rsi', below: 30 }] }),
    ).groups[0]!.rules[0]!;
    assert.equal(
      close.data[0]!.model.query,
      [
        'from(bucket: "marketdata_enriched")',
        '  |> range(start: -3600s)',
        '  |> filter(fn: (r) => r._measurement == "kline" and r.type == "enriched" and r.coin == "BTCUSDC" and r.interval == "1m")',
        '  |> filter(fn: (r) => r._field =~ /^rsi/)',
        '  |> last()',
      ].join('\n'),
    );
    assert.equal(close.annotations.summary, 'BTCUSDC 1m rsi below 30');
  });
});

describe('the pipeline rules', () => {
  const alerting = alertingOf({ intervals: ['1m', '1h'] });

  it('are provisioned for every stream, alerts or not: stale candles per interval, dead letters, bans', () => {
    assert.deepEqual(
      alerting.groups.map((g) => g.name),
      ['demo-pipeline'],
    );
    assert.deepEqual(
      alerting.groups[0]!.rules.map((r) => [r.title, r.labels, r.noDataState]),
      [
        ['demo no 1m candles', { stream: 'demo', alert: 'pipeline', interval: '1m' }, 'NoData'],
        ['demo no 1h candles', { stream: 'demo', alert: 'pipeline', interval: '1h' }, 'NoData'],
        ['demo dead letters', { stream: 'demo', alert: 'pipeline' }, 'OK'],
        ['demo Binance ban', { stream: 'demo', alert: 'pipeline' }, 'OK'],
      ],
    );
    const uids = alerting.groups[0]!.rules.map((r) => r.uid);
    assert.equal(new Set(uids).size, uids.length);
    for (const u of uids) assert.match(u, /^cs-[0-9a-f]{8}$/);
  });

  it('watch every symbol of the spec for stale candles, more than 3 intervals', () => {
    const stale = alerting.groups[0]!.rules[1]!;
    assert.match(
      stale.data[0]!.model.query!,
      /\{symbol: "BTCUSDC", _value: since\}, \{symbol: "ETHUSDC", _value: since\}/,
    );
    assert.match(stale.data[0]!.model.query!, /r\.interval == "1h"/);
    assert.deepEqual(stale.data[2]!.model.conditions, [{ evaluator: { type: 'gt', params: [3] } }]);
    assert.equal(stale.data[0]!.relativeTimeRange!.from, 36000);
  });

  it('hold no $ (Grafana expands environment variables in provisioning files)', () => {
    const text = JSON.stringify(
      alertingOf({ alerts: [{ name: 'a', symbol: 'BTCUSDC', field: 'volatility', above: 1 }] }),
    );
    assert.doesNotMatch(text, /\$/);
  });
});

describe('notifications', () => {
  const webhook = { urlSecret: { name: 'alert-hook', key: 'url' } };
  const email = {
    addresses: ['ops@example.com', 'oncall@example.com'],
    smtp: { host: 'smtp.example.com:587', from: 'grafana@example.com', secret: 'smtp' },
  };

  it('without them: no contact point, no policy, no environment (Grafana as before)', () => {
    const alerting = alertingOf({});
    assert.equal(alerting.contactPoints, undefined);
    assert.equal(alerting.policies, undefined);
    assert.deepEqual(
      grafanaEnvOf({}).map((e) => e.name),
      [
        'GF_SECURITY_ADMIN_USER',
        'GF_SECURITY_ADMIN_PASSWORD',
        'INFLUX_TOKEN',
        'INFLUX_ORG',
        'GF_ANALYTICS_REPORTING_ENABLED',
        'GF_ANALYTICS_CHECK_FOR_UPDATES',
        'GF_PATHS_DATA',
        'GF_PATHS_LOGS',
      ],
    );
  });

  it('a webhook: its URL from the Secret into the environment, referenced by the contact point', () => {
    const alerting = alertingOf({ grafana: { notifications: { webhook } } });
    assert.deepEqual(alerting.contactPoints, [
      {
        orgId: 1,
        name: 'cryptostream-demo',
        receivers: [
          {
            uid: alerting.contactPoints![0]!.receivers[0]!['uid'],
            type: 'webhook',
            settings: { url: '$CRYPTOSTREAM_WEBHOOK_URL', httpMethod: 'POST' },
            disableResolveMessage: false,
          },
        ],
      },
    ]);
    assert.match(String(alerting.contactPoints![0]!.receivers[0]!['uid']), /^cs-webhook-[0-9a-f]{8}$/);
    assert.deepEqual(alerting.policies, [
      {
        orgId: 1,
        receiver: 'cryptostream-demo',
        group_by: ['grafana_folder', 'alertname'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
      },
    ]);
    assert.deepEqual(grafanaEnvOf({ grafana: { notifications: { webhook } } }).at(-1), {
      name: 'CRYPTOSTREAM_WEBHOOK_URL',
      valueFrom: { secretKeyRef: { name: 'alert-hook', key: 'url' } },
    });
  });

  it('email: the addresses in one contact point with the webhook, the SMTP server in Grafana’s environment', () => {
    const alerting = alertingOf({ grafana: { notifications: { webhook, email } } });
    const [hook, mail] = alerting.contactPoints![0]!.receivers;
    assert.equal(hook!['type'], 'webhook');
    assert.equal(mail!['type'], 'email');
    assert.deepEqual(mail!['settings'], {
      addresses: 'ops@example.com;oncall@example.com',
      singleEmail: true,
    });
    const env = grafanaEnvOf({ grafana: { notifications: { email } } }).slice(8);
    assert.deepEqual(env, [
      { name: 'GF_SMTP_ENABLED', value: 'true' },
      { name: 'GF_SMTP_HOST', value: 'smtp.example.com:587' },
      { name: 'GF_SMTP_FROM_ADDRESS', value: 'grafana@example.com' },
      { name: 'GF_SMTP_FROM_NAME', value: 'CryptoStream demo' },
      { name: 'GF_SMTP_USER', valueFrom: { secretKeyRef: { name: 'smtp', key: 'user' } } },
      { name: 'GF_SMTP_PASSWORD', valueFrom: { secretKeyRef: { name: 'smtp', key: 'password' } } },
    ]);
    const anonymous = { ...email, smtp: { host: email.smtp.host, from: email.smtp.from } };
    assert.equal(
      grafanaEnvOf({ grafana: { notifications: { email: anonymous } } }).filter((e) =>
        e.name.startsWith('GF_SMTP_'),
      ).length,
      4,
    );
  });

  it('roll Grafana when they change (it reads its provisioning when it starts)', () => {
    const hash = (spec: Record<string, unknown>) =>
      (
        find(desiredState(aCryptoStream(spec), inputs), 'Deployment/demo-grafana')['spec'] as {
          template: { metadata: { annotations: Record<string, string> } };
        }
      ).template.metadata.annotations['cryptostream.io/config-hash'];
    assert.notEqual(hash({ grafana: { notifications: { webhook } } }), hash({}));
    assert.notEqual(
      hash({ grafana: { notifications: { webhook } } }),
      hash({ grafana: { notifications: { webhook, email } } }),
    );
  });
});
