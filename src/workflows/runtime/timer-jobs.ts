/**
 * The BullMQ side of timers: the queue, the payload of a timer job (ids and dates only, never
 * PHI) and the job id, which derives from the timer id so a timer is one job however often it
 * is (re)scheduled.
 */
import type { Processor, Queue, Worker, WorkerOptions } from 'bullmq';
import type { PlannedTimer } from '../domain/timers';

export const WORKFLOWS_QUEUE = 'safeharbor-workflows';

/** The payload of a timer job: ids and dates only. */
export interface TimerJobData {
  timerId: string;
  sourceStream: string;
  workflow: string;
  subjectKind: string;
  subjectId: string;
  dueOn: string;
  step: string;
}

export function timerJobData(timer: PlannedTimer, sourceStream: string): TimerJobData {
  return {
    timerId: timer.timerId,
    sourceStream,
    workflow: timer.workflow,
    subjectKind: timer.subject.kind,
    subjectId: timer.subject.id,
    dueOn: timer.dueOn,
    step: timer.step,
  };
}

/** Retried with backoff (a notifier or action may be down for a while); failures kept for inspection. */
export const TIMER_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 15_000 },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

/** Where queues and workers come from: the platform's QueueRegistry (prefix, connections, shutdown). */
export interface QueueFactory {
  queue(name: string): Queue;
  worker(name: string, processor: Processor, options?: Partial<WorkerOptions>): Worker;
}
