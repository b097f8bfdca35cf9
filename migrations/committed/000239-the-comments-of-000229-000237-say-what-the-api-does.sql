--! Previous: sha1:b03e8320ccf83f99212c52c31b37bb8cf0d0baf3
--! Hash: sha1:b2900a8e94a2626c18af92ec347a8e5bf14266a1
--! Message: The comments of 000229–000237 say what the API does

-- The comments of 000229–000237 say what the API does
--
-- Read again for the API's docs, some said less or other than the functions do: a visit's service billed by a partially
-- paid invoice read as not billed; the duplicate warning told doctors and cashiers they are told how many deleted
-- patients match, where countDeletedPatientDuplicates refuses them, and named a function of ours no client can call;
-- a walk-in's "today" was no day of the clinic's clock in particular; an issue sent again was told in a tangle; and
-- open_session said it returns what /auth/login answers, which answers part of it, and login left out the platform's
-- chain where the cap ends sessions of none. (The audit log's action and detail, switch_clinic and audit_session_opened,
-- which 000234 and 000236 wrote, are said anew above, with the session a switch comes from.)

comment on function app_public.visit_service_billed(app_public.visit_service) is
  'Whether a live invoice (a draft, issued, partially paid or paid: any but a void one) bills this service. While one does, its quantity and discount cannot change, nor can it be taken off the visit (CONFLICT), until billing takes its line off the draft or voids the invoice. Readable by every role that sees the visit, doctors included, who may not read invoices: it says nothing of the invoice.';

comment on function app_public.find_patient_duplicates(text, text, text, date, uuid) is
  'Existing patients that look like the one being registered or edited: same phone, or same names (white space, accents and case aside) and date of birth. Call it before saving to warn the user. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again. To others live patients alone; a receptionist is told how many deleted ones match by countDeletedPatientDuplicates, to ask an owner or admin.';

comment on function app_public.check_in_walk_in(uuid, uuid, text) is
  'A patient who walks in: books a visit with the doctor for now and checks the patient in, at once (one transaction). The booking and the check-in are those of createVisit and updateVisit, with their rules, stamps and audit entries. A patient already checked in with that doctor today, on the clinic''s clock (or in the consultation), is CONFLICT naming that visit (its code in the message, its id in extensions.visitId): the same walk-in sent again books nothing. Owners, admins and receptionists.';

comment on function app_public.issue_invoice(uuid) is 'Issues a draft invoice: its lines are frozen and it can be paid. Sent again (a double click, a retry), it answers the invoice as it is now, whatever was paid since (partially paid, paid); a void invoice is INVALID_TRANSITION, and a draft without lines INVALID_INPUT. Owners, admins and cashiers.';

comment on function app_private.open_session(user_id uuid, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Starts a session for a user, scoped to the chosen clinic (one they are a member of: an invitation is accepted with accept_invitation first), or to the only clinic they are a member of (invitations not counted; not for a platform administrator, who logs in to the platform unless they name a clinic), or to none, and ends the user''s live sessions beyond the newest 10, this one among them (the account''s openings taking turns on session_opening_key). Returns the session (sessionId and expiresAt, which the token carries), what /auth/login and /auth/switch-clinic answer of it (user, clinic, role, and `clinics`: the user''s active memberships and invitations, `pending: true`, of those only the clinic''s id and name and the role offered), and `endedSessions`, the sessions it ended, each its id and clinic (`{id, clinicId}`; none, an empty array), which audit_session_opened records each in its clinic''s chain and no answer gives.';

comment on function app_hidden.login(phone text, password text, clinic_id uuid, ip inet, user_agent text, ttl interval) is 'Checks a phone and password with lockout and throttling; on success opens a session (see open_session, which ends the account''s live sessions beyond the newest 10) and returns it with status "ok". A login refused for its input (no password, one over 1,024 characters, not a phone number) is {"status": "refused", "error": {"code": SQLSTATE, "message": …}}; one made while another attempt on the phone is in flight (an account''s or not) is {"status": "busy"}, its password not checked, and not counted against the client''s address; any other failure is {"status": "invalid"} whatever the reason; the right password for a clinic the user is not an active member of is {"status": "not_a_member"}. Every attempt is audited (login, naming the sessions of its clinic the cap ended as endedSessions, those of other clinics, or of none, each in its own chain as sessions_ended: audit_session_opened; or login_failed with the reason), but those the address throttle refuses, audited once for as long as the address keeps being refused; every failure but not_a_member and busy counts against the client''s address. Called by POST /auth/login.';
