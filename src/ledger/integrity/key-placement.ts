/**
 * Earlier versions kept the log signing key in DATA_DIR/integrity, where whoever can write the
 * data disk can also re-sign a rewritten ledger. On start the key files are moved beside the
 * master key (LEDGER_KEY_DIR) with a logged notice, rather than refusing to start: the key's
 * identity must continue (every witness pins it and would refuse a new one), and the move is a
 * step the service can do safely itself. The notice says to rotate (`ledger rotate-key`), since
 * a key that sat on the data disk may have been copied.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const FILES = ['ledger-signing.key', 'ledger-signing.vkey', 'ledger-signing.state'];

export class KeyPlacementError extends Error {
  readonly code = 'LEDGER_KEY_PLACEMENT';
}

export function moveLegacyLogKey(
  legacyDir: string,
  keyDir: string,
  log: (level: 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void,
): boolean {
  const legacyKey = path.join(legacyDir, 'ledger-signing.key');
  if (path.resolve(legacyDir) === path.resolve(keyDir) || !fs.existsSync(legacyKey)) return false;
  const newKey = path.join(keyDir, 'ledger-signing.key');
  if (fs.existsSync(newKey)) {
    if (fs.readFileSync(newKey, 'utf8').trim() === fs.readFileSync(legacyKey, 'utf8').trim()) {
      for (const f of FILES) fs.rmSync(path.join(legacyDir, f), { force: true }); // an interrupted move: finish it
      return true;
    }
    throw new KeyPlacementError(
      `two different ledger signing keys: ${newKey} and ${legacyKey} (left by an older version in the data folder). ` +
        `Keep the one your witnesses trust (\`safeharbor ledger keys\`, the witnesses' trusted-logs.txt), move the other away, and start again.`,
    );
  }
  fs.mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  // copy + fsync first, then remove: a crash in between leaves two identical keys (finished above)
  for (const f of FILES) {
    const from = path.join(legacyDir, f);
    if (!fs.existsSync(from)) continue;
    const to = path.join(keyDir, f);
    const tmp = `${to}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', f.endsWith('.vkey') ? 0o644 : 0o600);
    fs.writeSync(fd, fs.readFileSync(from));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, to);
  }
  for (const f of FILES) fs.rmSync(path.join(legacyDir, f), { force: true });
  log(
    'warn',
    'MOVED THE LEDGER SIGNING KEY out of the data folder, beside the master key. It sat where whoever can write the data disk could read it: rotate it (`safeharbor ledger rotate-key`) and keep the key folder on another disk or account.',
    {
      from: legacyDir,
      to: keyDir,
    },
  );
  return true;
}
