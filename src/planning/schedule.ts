// When the daily planning pass runs for an organisation: once a day, in the hour
// before its sending hours start, in the organisation's own time zone. The
// hourly job asks this for every organisation; customers in other zones are
// caught by their own next-evaluation time (plan-due).
import { localMinuteOfDay } from '../domain/calendar.js';

/** True in the hour [hour:00, hour+1:00) local time of `timeZone`. */
export function isDailyPlanningHour(now: Date, timeZone: string, hour = 7): boolean {
  const minute = localMinuteOfDay(now.getTime(), timeZone);
  return minute >= hour * 60 && minute < (hour + 1) * 60;
}
