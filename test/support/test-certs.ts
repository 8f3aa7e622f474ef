import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './processes.js';

const execFileP = promisify(execFile);

/** PEM files made by openssl for one test: a CA, a server certificate for 127.0.0.1, a client certificate. */
export interface TestCerts {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from another CA, which the server must refuse. */
  strangerCert: string;
  strangerKey: string;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  await execFileP('openssl', args, { cwd });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}

async function signed(dir: string, ca: string, name: string, cn: string, ext: string): Promise<void> {
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  await openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

/** Generated at test time into the run's temporary folder (nothing secret is kept in the repository). */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = tempDir('certs');
  await makeCa(dir, 'ca');
  await makeCa(dir, 'stranger-ca');
  await signed(dir, 'ca', 'server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  await signed(dir, 'ca', 'client', 'etcd-triage', 'extendedKeyUsage=clientAuth');
  await signed(dir, 'stranger-ca', 'stranger', 'etcd-triage', 'extendedKeyUsage=clientAuth');
  const f = (name: string): string => join(dir, name);
  return {
    dir,
    caFile: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    strangerCert: f('stranger.crt'),
    strangerKey: f('stranger.key'),
  };
}
