import type { App } from '@slack/bolt';
import { actionIds } from '../../ids.js';
import { approveButton } from './approve.js';
import { disconnectButton, linkButton } from './connections.js';
import { contactsButton } from './contacts.js';
import { disputeButton } from './dispute.js';
import { logCallButton } from './log-call.js';
import { liftHoldButton } from './lift-hold.js';
import { liftPrepayButton } from './lift-prepay.js';
import { moreTimeButton } from './more-time.js';
import { notMyAccountButton } from './not-my-account.js';
import { paymentPlanButton } from './payment-plan.js';
import { placeHoldButton } from './place-hold.js';
import { promiseToPayButton } from './promise-to-pay.js';
import { rejectButton } from './reject.js';
import { snoozeButton } from './snooze.js';
import { taskDoneButton } from './task-done.js';

export function registerActions(app: App): void {
  app.action(actionIds.logCall, logCallButton);
  app.action(actionIds.promise, promiseToPayButton);
  app.action(actionIds.paymentPlan, paymentPlanButton);
  app.action(actionIds.dispute, disputeButton);
  app.action(actionIds.snooze, snoozeButton);
  app.action(actionIds.notMine, notMyAccountButton);
  app.action(actionIds.approve, approveButton);
  app.action(actionIds.reject, rejectButton);
  app.action(actionIds.moreTime, moreTimeButton);
  app.action(actionIds.placeHold, placeHoldButton);
  app.action(actionIds.liftHold, liftHoldButton);
  app.action(actionIds.taskDone, taskDoneButton);
  app.action(actionIds.liftPrepay, liftPrepayButton);
  app.action(actionIds.connectQuickbooks, linkButton);
  app.action(actionIds.connectXero, linkButton);
  app.action(actionIds.reconnectConnection, linkButton);
  app.action(actionIds.disconnectConnection, disconnectButton);
  app.action(actionIds.contactsOpen, contactsButton);
}
