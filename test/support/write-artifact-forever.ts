/**
 * Child process for the leftover test: writes an artifact (as a CSV import does) from a source
 * that never ends, until it is killed. argv: <masterKeyPath> <vaultPath> <artifactsDir>.
 */
import { ArtifactStore } from '../../src/phi/artifact-store';
import { DataKeyStore } from '../../src/phi/data-key-store';
import { MasterKey } from '../../src/phi/master-key';
import { PhiVault } from '../../src/phi/phi-vault';
import { SystemClock } from '../../src/platform/clock';

const [masterKeyPath, vaultPath, artifactsDir] = process.argv.slice(2) as [string, string, string];
const vault = new PhiVault(new DataKeyStore(vaultPath, MasterKey.loadOrCreate(masterKeyPath)), new SystemClock());
const store = new ArtifactStore(artifactsDir, vault);

async function* rows(): AsyncGenerator<string> {
  yield 'first_name,last_name,ssn\n';
  for (let i = 0; ; i++) {
    yield `Canary${i},Person,000-00-${String(i % 10_000).padStart(4, '0')}\n`.repeat(2000);
    await new Promise((r) => setTimeout(r, 20));
  }
}

void store.write('incident:0190f5c4-7a2b-7c3d-8e4f-0123456789ab', rows());
