import type { App, ViewSubmitAction } from '@slack/bolt';
import { viewIds } from '../../ids.js';
import { contactsSubmitted } from './contacts.js';
import { disputeSubmitted } from './dispute.js';
import { liftHoldSubmitted } from './lift-hold.js';
import { liftPrepaySubmitted } from './lift-prepay.js';
import { logCallSubmitted } from './log-call.js';
import { moreTimeSubmitted } from './more-time.js';
import { paymentPlanSubmitted } from './payment-plan.js';
import { placeHoldSubmitted } from './place-hold.js';
import { promiseToPaySubmitted } from './promise-to-pay.js';
import { rejectSubmitted } from './reject.js';
import { replyDisputeSubmitted, replyPromiseSubmitted } from './reply.js';
import { snoozeSubmitted } from './snooze.js';
import { letterTaskDoneSubmitted } from './letter-task-done.js';
import { referWithoutMailSubmitted } from './refer-without-mail.js';
import { referralRequestSubmitted } from './referral-request.js';

export function registerViews(app: App): void {
  app.view<ViewSubmitAction>(viewIds.logCall, logCallSubmitted);
  app.view<ViewSubmitAction>(viewIds.promise, promiseToPaySubmitted);
  app.view<ViewSubmitAction>(viewIds.paymentPlan, paymentPlanSubmitted);
  app.view<ViewSubmitAction>(viewIds.dispute, disputeSubmitted);
  app.view<ViewSubmitAction>(viewIds.snooze, snoozeSubmitted);
  app.view<ViewSubmitAction>(viewIds.reject, rejectSubmitted);
  app.view<ViewSubmitAction>(viewIds.moreTime, moreTimeSubmitted);
  app.view<ViewSubmitAction>(viewIds.placeHold, placeHoldSubmitted);
  app.view<ViewSubmitAction>(viewIds.liftHold, liftHoldSubmitted);
  app.view<ViewSubmitAction>(viewIds.liftPrepay, liftPrepaySubmitted);
  app.view<ViewSubmitAction>(viewIds.contacts, contactsSubmitted);
  app.view<ViewSubmitAction>(viewIds.letterTaskDone, letterTaskDoneSubmitted);
  app.view<ViewSubmitAction>(viewIds.referWithoutMail, referWithoutMailSubmitted);
  app.view<ViewSubmitAction>(viewIds.replyPromise, replyPromiseSubmitted);
  app.view<ViewSubmitAction>(viewIds.replyDispute, replyDisputeSubmitted);
  app.view<ViewSubmitAction>(viewIds.referralRequest, referralRequestSubmitted);
}
