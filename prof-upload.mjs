import { AppClient } from '@hangar/sdk';
import { freshDatabase, initialAdminKey, serverArgs, CLI_PATH } from '@hangar/testing';
import { spawn } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
const mode = process.argv[2] ?? 'grpc';
const db = await freshDatabase('sqlite');
const extra = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
const child = spawn(process.execPath, [...extra, CLI_PATH, 'server', ...serverArgs(db)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env } });
const url = await new Promise((res) => { let s=''; child.stderr.on('data', (d) => { s += d; const m = s.match(/"url":"([^"]+)"/); if (m) res(m[1]); }); });
const credentials = await initialAdminKey(db.dataDir);
const http = await AppClient.connect({ url, credentials });
const grpc = await AppClient.connect({ url, credentials, protocol: 'grpc' });
const org = await http.createOrganization('P');
const [moduleId] = await http.createModule(org.id, 'm');
await http.updateModule(moduleId, '', 'b', [], 'run');
const dir = await mkdtemp('/tmp/pu-'); const source = join(dir, 'f'); await writeFile(source, randomBytes(64<<20));
await grpc.uploadModuleFileFromPath({ moduleId, version: '0.0.0', platform: 'any' }, source);
const pkg = await http.getPackage(`${org.id}/m`, '0.0.0');
const times = []; const { readFileSync } = await import('node:fs'); const cpu = () => { const f = readFileSync(`/proc/${child.pid}/stat`,'utf8').split(') ')[1].split(' '); return (Number(f[11])+Number(f[12]))*10; }; const c0 = cpu(); const u0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < 12; i++) {
  const t = performance.now();
  if (mode === 'grpc') await grpc.uploadModuleFileFromPath({ moduleId, version: `1.0.${i}`, platform: 'any' }, source);
  else if (mode === 'http') await http.uploadModuleFileFromPath({ moduleId, version: `1.0.${i}`, platform: 'any' }, source);
  else { await http.downloadPackage(pkg, join(dir, 'd' + i)); await rm(join(dir, 'd' + i)); }
  times.push(Math.round(performance.now() - t));
}
console.log(mode, times.join(' ')); const wall = performance.now()-t0; const u = process.cpuUsage(u0); console.log('per upload: wall', Math.round(wall/12), 'server cpu ms', Math.round((cpu()-c0)/12), 'client cpu ms', Math.round((u.user+u.system)/1000/12));
child.kill('SIGTERM'); await new Promise((r) => child.on('exit', r));
await rm(dir, { recursive: true }); await db.drop(); process.exit(0);
