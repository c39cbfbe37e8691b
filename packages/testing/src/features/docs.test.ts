/** The README documents every server limit, and `hangar server --help` offers every one as a flag. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LIMITS, LIMIT_NAMES } from '@hangar/server';
import { CLI_PATH, runCli, tempHome } from '../cli.js';

const README = join(CLI_PATH, '..', '..', '..', '..', 'README.md');

describe('documented limits', () => {
  it('lists every limit in the README with its flag, variable and default', async () => {
    const readme = await readFile(README, 'utf8');
    const missing = LIMIT_NAMES.filter((name) => {
      const { flag, env, default: value } = LIMITS[name];
      const row = readme.split('\n').find((line) => line.includes(`\`${flag}\``) && line.includes(`\`${env}\``));
      return row?.includes(value.toLocaleString('en')) !== true;
    });
    assert.deepEqual(missing, [], 'add these rows to the README\'s "Limits" table');
  });

  it('offers every limit as a flag of hangar server', async () => {
    const help = await runCli(['server', '--help'], { home: await tempHome() });
    assert.equal(help.code, 0, help.stderr);
    assert.deepEqual(
      LIMIT_NAMES.filter((name) => !help.stdout.includes(LIMITS[name].flag)),
      [],
    );
  });
});
