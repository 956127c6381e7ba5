// The collector's daily digest: at the organisation's morning (a local hour,
// default 8) of a business day (its policy's weekend and holidays, with the
// organisation's own holidays: nothing on a Saturday or a holiday), each
// collector gets a DM with today's call list and the counts (the App Home
// content as a message, times in the collector's own zone too). Once per person
// and local day (a claim).
import { isBusinessDayNumber, localDate, localDayNumber } from '../../src/domain/calendar.js';
import { homeView } from '../blocks/home.js';
import { openDm, type SlackContext } from './context.js';
import { homeSnapshot, slackUserTimeZone } from './home.js';

function localHour(at: Date, tz: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: tz }).format(at));
}

export async function sendDigests(ctx: SlackContext, opts: { hour?: number } = {}): Promise<number> {
  const now = ctx.now();
  let sent = 0;
  for (const org of await ctx.store.organisations.list()) {
    if (localHour(now, org.timeZone) !== (opts.hour ?? 8)) continue;
    const svc = await ctx.forOrg(org._id);
    if (!svc) continue;
    // Business days only: the organisation's calendar (policy weekend and holidays, plus its own holidays).
    const calendar = (await svc.policies.forOrg(org._id)).compiled.calendar;
    if (!isBusinessDayNumber(localDayNumber(now.getTime(), org.timeZone), calendar)) continue;
    const today = localDate(now, org.timeZone);
    for (const person of await svc.people.withRole(org._id, 'collector')) {
      if (!person.slackUserId) continue;
      if (!(await svc.store.claims.take(`slack:digest:${person._id}:${today}`, 'slack', now))) continue;
      const snap = await homeSnapshot(svc, org._id, person.name, undefined, false, await slackUserTimeZone(svc, person.slackUserId));
      const blocks = homeView(snap).blocks;
      const channel = await openDm(svc.client, person.slackUserId);
      await svc.post({ channel, text: `Today's calls: ${snap.calls.length}`, blocks });
      sent += 1;
    }
  }
  return sent;
}
