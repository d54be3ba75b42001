import type Database from 'better-sqlite3';

/** The transaction-control statements a group commit runs, prepared once per connection. */
export interface GroupStatements {
  begin: Database.Statement;
  commit: Database.Statement;
  rollback: Database.Statement;
  savepoint: Database.Statement;
  release: Database.Statement;
  rollbackTo: Database.Statement;
}

export function prepareGroupStatements(db: Database.Database): GroupStatements {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT group_member'),
    release: db.prepare('RELEASE group_member'),
    rollbackTo: db.prepare('ROLLBACK TO group_member'),
  };
}

export type Outcome<T> = { ok: T } | { err: unknown };

/**
 * Runs every job in one BEGIN IMMEDIATE … COMMIT, each inside its own SAVEPOINT: a job that
 * throws is rolled back alone and gets its error, the others go on and see each other's writes
 * (in order). Throws — with nothing committed — when the group as a whole fails: BEGIN could not
 * take the write lock, SQLite rolled the whole transaction back (disk full, I/O error), or
 * COMMIT failed.
 */
export function runGroup<T>(db: Database.Database, s: GroupStatements, jobs: ReadonlyArray<() => T>): Outcome<T>[] {
  s.begin.run();
  const outcomes: Outcome<T>[] = [];
  try {
    for (const job of jobs) {
      s.savepoint.run();
      try {
        const ok = job();
        s.release.run();
        outcomes.push({ ok });
      } catch (err) {
        if (!db.inTransaction) throw err; // the whole transaction is gone: nothing of the group stays
        s.rollbackTo.run();
        s.release.run();
        outcomes.push({ err });
      }
    }
    s.commit.run();
  } catch (err) {
    if (db.inTransaction) s.rollback.run();
    throw err;
  }
  return outcomes;
}
