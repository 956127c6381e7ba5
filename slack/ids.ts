// Every action id, view callback id and input block id of the Slack app, in one place.

export const actionIds = {
  logCall: 'nudge_log_call',
  promise: 'nudge_promise',
  dispute: 'nudge_dispute',
  snooze: 'nudge_snooze',
  paymentPlan: 'nudge_payment_plan',
  notMine: 'nudge_not_mine',
  approve: 'approval_approve',
  reject: 'approval_reject',
  moreTime: 'approval_more_time',
  placeHold: 'hold_place',
  liftHold: 'hold_lift',
  taskDone: 'task_done',
  liftPrepay: 'prepay_lift',
  connectQuickbooks: 'connect_quickbooks',
  connectXero: 'connect_xero',
  reconnectConnection: 'reconnect_connection',
  disconnectConnection: 'disconnect_connection',
  /** Opens the Contacts modal; value: the customer (account) id. */
  contactsOpen: 'contacts_open',
  /** The look-alike alert's buttons (slack/blocks/lookalike.ts); value: the flag id `<customer>|<known account>`. */
  lookalikePrepay: 'lookalike.prepay',
  lookalikeDismiss: 'lookalike.dismiss',
  lookalikeCreditCheck: 'lookalike.creditCheck',
  /** *Done* on a post, courier or fax task: opens the completion modal (tracking number); value: the task id. */
  letterTaskDone: 'letter_task_done',
  /** On an agency-referral request whose mailed demand is not confirmed: approve anyway, with a reason; value: the approval id. */
  referWithoutMail: 'approval_refer_without_mail',
  /** A customer's reply on the collector's card (slack/services/replies.ts); value: the reply id. */
  replyPromise: 'reply.promise',
  replyDispute: 'reply.dispute',
  replyPaid: 'reply.paid',
  replyUnrelated: 'reply.unrelated',
  /** App Home's *Open Overdue*: a single-use sign-in link to the web console, by DM (app/console). */
  consoleOpen: 'console.open',
  /** The account view's *Request referral*: opens the referral modal (the reason); value: the customer (account) id. */
  referralRequest: 'referral_request',
} as const;

export const viewIds = {
  logCall: 'view_log_call',
  promise: 'view_promise',
  dispute: 'view_dispute',
  snooze: 'view_snooze',
  paymentPlan: 'view_payment_plan',
  reject: 'view_reject',
  moreTime: 'view_more_time',
  placeHold: 'view_place_hold',
  liftHold: 'view_lift_hold',
  liftPrepay: 'view_prepay_lift',
  contacts: 'contacts',
  letterTaskDone: 'view_letter_task_done',
  referWithoutMail: 'view_refer_without_mail',
  /** The promise and dispute modals opened from a reply card (private_metadata id: the reply id). */
  replyPromise: 'reply_promise',
  replyDispute: 'reply_dispute',
  /** Request referral's modal (private_metadata id: the customer id). */
  referralRequest: 'view_referral_request',
} as const;

/** Input blocks of the modals: block id and the action id of its one element. */
export const inputIds = {
  outcome: { block: 'outcome', action: 'outcome_value' },
  notes: { block: 'notes', action: 'notes_value' },
  nextStep: { block: 'next_step', action: 'next_step_value' },
  promiseDate: { block: 'promise_date', action: 'promise_date_value' },
  promiseAmount: { block: 'promise_amount', action: 'promise_amount_value' },
  disputeInvoices: { block: 'dispute_invoices', action: 'dispute_invoices_value' },
  reason: { block: 'reason', action: 'reason_value' },
  snoozeUntil: { block: 'snooze_until', action: 'snooze_until_value' },
  instalments: { block: 'instalments', action: 'instalments_value' },
  moreTimeUntil: { block: 'more_time_until', action: 'more_time_until_value' },
  contactRole: { block: 'contact_role', action: 'contact_role_value' },
  contactName: { block: 'contact_name', action: 'contact_name_value' },
  contactEmail: { block: 'contact_email', action: 'contact_email_value' },
  contactPhone: { block: 'contact_phone', action: 'contact_phone_value' },
  contactTimeZone: { block: 'contact_time_zone', action: 'contact_time_zone_value' },
  contactLanguage: { block: 'contact_language', action: 'contact_language_value' },
  trackingNumber: { block: 'tracking_number', action: 'tracking_number_value' },
} as const;

export const callOutcomes = ['reached', 'voicemail', 'wrong_person', 'refused'] as const;
export type CallOutcome = (typeof callOutcomes)[number];

export const outcomeLabels: Record<CallOutcome, string> = {
  reached: 'Reached the buyer',
  voicemail: 'Left a voicemail',
  wrong_person: 'Wrong person',
  refused: 'Refused to talk',
};
