// Every job the worker runs, and the repeating schedule it keeps. Repeating jobs
// use cron expressions so that their run keys agree across workers (see agenda.ts).
import type { Agenda } from 'agenda';
import type { JobDefinition } from './agenda.js';
import { housekeeping } from './housekeeping.js';

export const allJobs: JobDefinition<unknown>[] = [housekeeping as JobDefinition<unknown>];

export async function scheduleRepeatingJobs(agenda: Agenda): Promise<void> {
  await agenda.every('17 3 * * *', housekeeping.name, { keepDays: 30 }, { timezone: 'UTC' });
}
