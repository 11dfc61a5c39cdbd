import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { conflictMessage, isOwnedBy, nameConflicts } from '../../../src/core/operator/ownership.ts';
import { aCryptoStream, inputs } from './aCryptoStream.ts';

const cr = aCryptoStream();
const [secret] = desiredState(cr, inputs);
const controller = (kind: string, uid: string) => [
  { apiVersion: 'x/v1', kind, name: 'owner', uid, controller: true },
];
const labels = { 'app.kubernetes.io/managed-by': 'cryptostream-operator', 'cryptostream.io/stream': 'demo' };

describe("the stream's own objects", () => {
  it('are those it controls', () => {
    assert.ok(isOwnedBy(cr)({ metadata: { ownerReferences: controller('CryptoStream', 'uid-demo') } }));
    assert.ok(!isOwnedBy(cr)({ metadata: { ownerReferences: controller('CryptoStream', 'uid-other') } }));
    assert.ok(!isOwnedBy(cr)({ metadata: { ownerReferences: controller('Deployment', 'uid-demo') } }));
  });

  it('and those an earlier stream of its name left without a controller (a retained credentials Secret)', () => {
    assert.ok(isOwnedBy(cr)({ metadata: { labels } }));
    assert.ok(!isOwnedBy(cr)({ metadata: { labels: { ...labels, 'cryptostream.io/stream': 'other' } } }));
    assert.ok(!isOwnedBy(cr)({ metadata: {} }), "a user's object");
  });
});

describe('name conflicts', () => {
  it('are the desired children whose name an object the stream does not own takes', () => {
    const userSecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-credentials' } };
    const conflicts = nameConflicts(cr, [
      [secret!, userSecret],
      [secret!, undefined],
      [secret!, { ...userSecret, metadata: { ...userSecret.metadata, labels } }],
    ]);
    assert.deepEqual(conflicts, [{ child: secret, holder: userSecret }]);
    assert.equal(
      conflictMessage(conflicts[0]!),
      'Secret demo-credentials already exists (not created by this stream); the operator does not overwrite it: rename or remove it, or rename the stream',
    );
  });

  it('name another controller when the object has one', () => {
    const held = {
      metadata: { name: 'demo-credentials', ownerReferences: controller('CryptoStream', 'uid-x') },
    };
    assert.match(conflictMessage({ child: secret!, holder: held }), /\(controlled by CryptoStream owner\)/);
  });
});
