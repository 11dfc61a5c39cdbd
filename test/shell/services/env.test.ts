import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEnvFile, services } from '../../support/services.ts';

describe('test/support/services.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'services-env-'));

  it('parses KEY=value lines, keeping any "=" inside the value', () => {
    assert.deepEqual(
      [...parseEnvFile('# endpoints\nA=1\n\nINFLUX_TOKEN=user:pass=\n')],
      [
        ['A', '1'],
        ['INFLUX_TOKEN', 'user:pass='],
      ],
    );
  });

  it('fails with the command to run when the env file is missing', () => {
    assert.throws(() => services(join(dir, 'absent')), {
      message: /^services are not running: run `npm run services:up` \(.*absent does not exist\)$/,
    });
  });

  it('names the missing key when the env file is incomplete', () => {
    const path = join(dir, 'env');
    writeFileSync(path, 'KAFKA_BROKERS=127.0.0.1:19092\n');
    assert.throws(() => services(path), {
      message: /^services are not running: run `npm run services:up` \(KAFKA_VERSION is missing in .*env\)$/,
    });
  });
});
