/**
 * Where the agent may act. Each agent is configured with allowed roots (real paths taken when
 * they were configured). A dataset path is accepted only when it lies under one of them and no
 * component between the root and the path is a symbolic link, checked again at every command:
 * a root (or one of its parents) swapped for a symlink after configuration resolves elsewhere and
 * is refused. Files are opened with O_NOFOLLOW, so a file swapped for a link between the directory
 * walk and the open is refused by the kernel rather than followed.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export class PathRefused extends Error {
  constructor(
    readonly code: 'no-allowed-roots' | 'path-not-absolute' | 'outside-allowed-roots' | 'root-moved' | 'symlink-refused' | 'path-missing',
    message: string,
  ) {
    super(message);
    this.name = 'PathRefused';
  }
}

export function isUnder(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && !isAbsolute(r));
}

/** The canonical form a root is stored in: absolute, real (symlinks resolved once, at configuration). */
export function canonicalRoot(dir: string): string {
  const real = realpathSync(resolve(dir));
  if (!lstatSync(real).isDirectory()) throw new Error(`allowed root ${dir} is not a directory`);
  return real;
}

/**
 * `path` checked against `roots` without following any link: returns the path (normalized) or
 * throws PathRefused. Error messages name no path: they reach the service and the ledger.
 */
export function resolveInRoots(path: string, roots: readonly string[]): string {
  if (roots.length === 0) throw new PathRefused('no-allowed-roots', 'this agent has no allowed roots configured: it acts on no path');
  if (!isAbsolute(path)) throw new PathRefused('path-not-absolute', 'dataset path must be absolute');
  const target = resolve(path);
  const root = roots.filter((r) => isUnder(target, r)).sort((a, b) => b.length - a.length)[0];
  if (!root) throw new PathRefused('outside-allowed-roots', 'dataset path is outside the allowed roots of this agent');
  let rootNow: string;
  try {
    rootNow = realpathSync(root);
  } catch {
    throw new PathRefused('root-moved', 'an allowed root no longer exists');
  }
  // A root or any of its parents replaced by a link since configuration resolves elsewhere.
  if (rootNow !== root || lstatSync(root).isSymbolicLink())
    throw new PathRefused('root-moved', 'an allowed root now resolves elsewhere (replaced by a link)');
  let cur = root;
  for (const part of relative(root, target).split(sep).filter(Boolean)) {
    cur = join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      throw new PathRefused('path-missing', 'dataset path does not exist');
    }
    if (st.isSymbolicLink()) throw new PathRefused('symlink-refused', 'dataset path goes through a symbolic link');
  }
  return target;
}
