import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intervals } from '../../../src/core/kline/interval.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { DNS_LABEL_MAX, MAX_STREAM_NAME, names } from '../../../src/core/operator/names.ts';
import { aCryptoStream, inputs } from './aCryptoStream.ts';

const DNS_SUBDOMAIN_MAX = 253;
const named = (name: string) => {
  const cr = aCryptoStream({ intervals: [...intervals], alerts: [] });
  return { ...cr, metadata: { ...cr.metadata, name } };
};

describe('the longest stream name', () => {
  const longest = named('s'.repeat(MAX_STREAM_NAME));
  const children = desiredState(longest, inputs);

  it('is 27 characters', () => assert.equal(MAX_STREAM_NAME, 27));

  it('fits every child: names, Service names, label values, StatefulSet pods and their revision label', () => {
    for (const child of children) {
      const id = `${child.kind}/${child.metadata.name}`;
      assert.ok(child.metadata.name.length <= DNS_SUBDOMAIN_MAX, id);
      if (child.kind === 'Service') assert.ok(child.metadata.name.length <= DNS_LABEL_MAX, id);
      for (const [key, value] of Object.entries(child.metadata.labels ?? {}))
        assert.ok(value.length <= DNS_LABEL_MAX, `${id}: label ${key}=${value}`);
      // A StatefulSet's pods carry controller-revision-hash=<name>-<10 characters>; their names are hostnames.
      if (child.kind === 'StatefulSet') assert.ok(child.metadata.name.length + 11 <= DNS_LABEL_MAX, id);
    }
  });

  it("fits the names Strimzi builds from it: the Kafka nodes' pods (their hostnames) and Services", () => {
    const n = names(longest);
    assert.ok(n.kafkaNodePod(99).length <= DNS_LABEL_MAX, n.kafkaNodePod(99));
    assert.ok(n.kafkaBootstrap.length <= DNS_LABEL_MAX);
    assert.ok(`${n.kafka}-kafka-brokers`.length <= DNS_LABEL_MAX);
  });

  it('is the longest: one more character and the Kafka pods no longer have valid hostnames', () => {
    const n = names(named('s'.repeat(MAX_STREAM_NAME + 1)));
    assert.ok(n.kafkaNodePod(10).length > DNS_LABEL_MAX, n.kafkaNodePod(10));
  });
});
