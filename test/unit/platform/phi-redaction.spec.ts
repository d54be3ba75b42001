import { Writable } from 'node:stream';
import { z } from 'zod';
import { createLogger, phi } from '../../../src/platform/logger';
import { toProblem } from '../../../src/platform/http/problem.filter';
import { fromZodIssues } from '../../../src/platform/errors';

const SECRET_NAME = 'Zelda Synthetica';
const SECRET_SSN = '000-99-1234';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, logger: createLogger('debug', stream as never) };
}

describe('PHI never reaches a log line or an error body', () => {
  it('a value marked PHI prints as [PHI] wherever it is logged', () => {
    const { lines, logger } = capture();
    const person = phi({ name: SECRET_NAME, ssn: SECRET_SSN });
    logger.info({ incidentId: 'inc-1', person, nested: { deep: [phi(SECRET_SSN)] } }, 'processing');
    logger.info(`template string ${person}`);
    const out = lines.join('');
    expect(out).toContain('inc-1');
    expect(out).toContain('[PHI]');
    expect(out).not.toContain(SECRET_NAME);
    expect(out).not.toContain(SECRET_SSN);
  });

  it('fields with PHI names are redacted even when not marked', () => {
    const { lines, logger } = capture();
    logger.warn(
      { recipient: { name: SECRET_NAME, email: 'zelda@example.test' }, row: { address: { line1: '1 Synthetic Way' } } },
      'bounce',
    );
    const out = lines.join('');
    expect(out).not.toContain(SECRET_NAME);
    expect(out).not.toContain('zelda@example.test');
    expect(out).not.toContain('1 Synthetic Way');
  });

  it('errors from libraries are logged without their message; ours keep theirs', () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error(`duplicate key ${SECRET_NAME}`) }, 'insert failed');
    const out = lines.join('');
    expect(out).not.toContain(SECRET_NAME);
    expect(out).toContain('message withheld');
  });

  it('an unexpected error becomes a 500 problem that does not echo its message', () => {
    const problem = toProblem(new TypeError(`cannot read ${SECRET_NAME} ${SECRET_SSN}`));
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain(SECRET_NAME);
    expect(JSON.stringify(problem)).not.toContain(SECRET_SSN);
  });

  it('a validation error names the field and the rule, never the rejected value', () => {
    const schema = z.object({ zip: z.string().regex(/^\d{5}$/), state: z.enum(['OH', 'TX']), name: z.string().max(3) }).strict();
    const r = schema.safeParse({ zip: SECRET_SSN, state: SECRET_NAME, name: SECRET_NAME });
    const problem = toProblem(fromZodIssues(r.error!.issues as never));
    expect(problem.status).toBe(400);
    const text = JSON.stringify(problem);
    expect(text).toContain('zip');
    expect(text).toContain('state');
    expect(text).not.toContain(SECRET_NAME);
    expect(text).not.toContain(SECRET_SSN);
  });
});
