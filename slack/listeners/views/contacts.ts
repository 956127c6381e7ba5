// Contacts modal submitted: the new contact read by the one schema of entered contacts (the admin API's
// import reads its rows with it too); every problem shown on its input, the modal kept open with what was typed.
import { EnteredContactInput } from '../../../src/planning/contacts.js';
import { inputIds } from '../../ids.js';
import { submitContact } from '../../services/contacts.js';
import { SelectValue, servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

const BLOCK_OF: Record<string, string> = {
  role: inputIds.contactRole.block,
  name: inputIds.contactName.block,
  email: inputIds.contactEmail.block,
  phone: inputIds.contactPhone.block,
  timeZone: inputIds.contactTimeZone.block,
  language: inputIds.contactLanguage.block,
};

export async function contactsSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const role = SelectValue.safeParse(s.value(inputIds.contactRole.block, inputIds.contactRole.action) ?? {});
  const parsed = EnteredContactInput.safeParse({
    role: role.success ? role.data.selected_option?.value : undefined,
    name: text(s.value(inputIds.contactName.block, inputIds.contactName.action)),
    email: text(s.value(inputIds.contactEmail.block, inputIds.contactEmail.action)),
    phone: text(s.value(inputIds.contactPhone.block, inputIds.contactPhone.action)),
    timeZone: text(s.value(inputIds.contactTimeZone.block, inputIds.contactTimeZone.action)),
    language: text(s.value(inputIds.contactLanguage.block, inputIds.contactLanguage.action)),
  });
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const block = BLOCK_OF[String(issue.path[0] ?? 'name')] ?? inputIds.contactName.block;
      errors[block] ??= issue.message;
    }
    return ack({ response_action: 'errors', errors });
  }
  await ack();
  await submitContact(servicesOf(context), s.meta, s.userId, parsed.data);
}
