import { JobQueue, QueueDefinition, SendOptions, WorkerDefinition } from '../../../src/jobs/job-queue';

/** JobQueue that records registrations, schedules and sent jobs; runs nothing by itself. */
export class FakeJobQueue implements Pick<JobQueue, 'register' | 'schedule' | 'send' | 'wake' | 'whenStarted'> {
  readonly workers: Array<WorkerDefinition<object>> = [];
  readonly schedules: Array<[string, string | undefined]> = [];
  readonly sent: Array<{ queue: string; data: object; options: SendOptions }> = [];
  readonly wakes: string[] = [];

  register<T extends object>(worker: WorkerDefinition<T>): void {
    this.workers.push(worker);
  }

  schedule(queue: QueueDefinition, cron: string | undefined): void {
    this.schedules.push([queue.name, cron]);
  }

  async send(queue: string, data: object, options: SendOptions = {}): Promise<string | null> {
    this.sent.push({ queue, data, options });
    return `job-${this.sent.length}`;
  }

  wake(queue: string): void {
    this.wakes.push(queue);
  }

  whenStarted(): Promise<void> {
    return Promise.resolve();
  }
}
