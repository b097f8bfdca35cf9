--! Previous: sha1:1ab50b47be892ab742e56cbc1c799d39a8bed368
--! Hash: sha1:55a77d568cc5852fc2250e8a5c4d86256cfca217
--! Message: An invoice issued or voided by any update is stamped, with a line to issue and a reason to void

-- An invoice is issued and voided as the database stamps it, whoever writes the status
--
-- issue_invoice refused a draft without lines and stamped issued_at / issued_by, and void_invoice stamped voided_at /
-- voided_by and asked a reason that says something; but the invoice's lifecycle trigger let a plain
-- `update app_public.invoice set status = 'issued'` (an operator's psql, a script, any later function) issue a draft of
-- no line with no stamp, and `set status = 'void', void_reason = ' '` void one for a reason of white space, unstamped:
-- what keys on issued_at (the PDF, reports, the reconciliation, the analysts' views) then read null. The lifecycle is the
-- database's, as a visit's is: tg_invoice__lifecycle now refuses to issue a draft without lines (INVALID_INPUT) and
-- stamps issued_at / issued_by when a draft leaves draft (issued, or paid as it is issued when there is nothing to pay),
-- and refuses a void without a reason that says something (INVALID_INPUT, the reason kept without the white space
-- around it) and stamps voided_at / voided_by. The stamps are now() and the session's user: null outside a session (an
-- operator's psql). issue_invoice keeps its own (permission, the answer to an issue sent again) and leaves the rule
-- and the stamp to the trigger; void_invoice its early refusal of a blank reason (before the invoice is looked up, so a
-- form left blank is told so whatever the invoice) and leaves the stamp to the trigger.
create or replace function app_private.tg_invoice__lifecycle() returns trigger
    language plpgsql
    as $$
begin
  if old.status = 'void' then
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
  end if;
  if (new.patient_id, new.visit_id, new.currency) is distinct from (old.patient_id, old.visit_id, old.currency)
     and old.status <> 'draft' then
    raise exception 'An issued invoice cannot change its patient, visit or currency.' using errcode = 'CTRAN';
  end if;
  if new.status = 'void' then
    -- whoever writes it (void_invoice, an operator's psql): a reason that says something, and who voided it, when
    new.void_reason := app_hidden.reason_or_null(new.void_reason);
    if new.void_reason is null then
      raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
    end if;
    if new.amount_paid > 0 then
      raise exception 'Refund the payments of this invoice before voiding it.' using errcode = 'CINVL';
    end if;
    new.voided_at := now();
    new.voided_by := app_public.current_user_id();
    return new;
  end if;
  -- a draft leaving draft is issued (as paid, when there is nothing to pay), whoever writes it (issue_invoice, an
  -- operator's psql): with a line, and stamped
  if old.status = 'draft' and new.status <> 'draft' then
    if not exists (select from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.id) then
      raise exception 'An invoice needs at least one line to be issued.' using errcode = 'CINVL';
    end if;
    new.issued_at := now();
    new.issued_by := app_public.current_user_id();
  end if;
  -- Once issued, the payments decide the status; nothing left to pay (a total of 0 too) is paid.
  if old.status <> 'draft' or new.status <> 'draft' then
    new.status := case
      when new.amount_paid >= new.total then 'paid'
      when new.amount_paid = 0 then 'issued'
      else 'partially_paid'
    end::app_public.invoice_status;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_invoice__lifecycle() from public;
comment on function app_private.tg_invoice__lifecycle() is 'BEFORE UPDATE: void is final and needs a reason that says something (kept without the white space around it) and nothing paid; a draft is issued with at least one line (INVALID_INPUT otherwise); issuing stamps issued_at / issued_by and voiding voided_at / voided_by, whoever writes the status (now() and the session''s user, null outside a session: 000437); after issue the status follows amount_paid (issued, partially_paid, paid; an invoice with nothing to pay, a total of 0, is paid).';

create or replace function app_public.issue_invoice(invoice_id uuid) returns app_public.invoice
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_invoice app_public.invoice;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can issue invoices.' using errcode = 'CFORB';
  end if;
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = issue_invoice.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  if v_invoice.status in ('issued', 'partially_paid', 'paid') then
    -- the same issue again (a double click, a retry, one sent after a payment, or after an invoice of nothing to
    -- pay became paid as it was issued): it was issued, so the invoice as it is
    return v_invoice;
  elsif v_invoice.status <> 'draft' then
    raise exception 'Only a draft can be issued; this invoice is %.', replace(v_invoice.status::text, '_', ' ') using errcode = 'CTRAN';
  end if;
  -- a draft without lines is refused, and the issue stamped, by tg_invoice__lifecycle (000437)
  update app_public.invoice i set status = 'issued'
  where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id
  returning * into v_invoice;
  return v_invoice;
end;
$$;
revoke all on function app_public.issue_invoice(invoice_id uuid) from public;
grant all on function app_public.issue_invoice(invoice_id uuid) to :DATABASE_VISITOR;
comment on function app_public.issue_invoice(invoice_id uuid) is 'Issues a draft invoice: its lines are frozen and it can be paid. Sent again (a double click, a retry), it answers the invoice as it is now, whatever was paid since (partially paid, paid); a void invoice is INVALID_TRANSITION, and a draft without lines INVALID_INPUT. Owners, admins and cashiers.';

create or replace function app_public.void_invoice(invoice_id uuid, reason text) returns app_public.invoice
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'off'
    set "clinicops.every_clinic" to 'off'
    set "clinicops.reinvitation" to 'off'
    as $$
declare
  v_invoice app_public.invoice;
begin
  -- the rule as it applies to whoever asks: a receptionist is told what her clinic would have to allow
  if not app_hidden.may_invoice() and app_hidden.current_role_in('receptionist') then
    raise exception 'A receptionist voids drafts only in a clinic that lets receptionists invoice, and this one does not.' using errcode = 'CFORB';
  elsif not app_hidden.may_invoice() then
    raise exception 'Only an owner, admin or cashier can void invoices (and a receptionist drafts, where the clinic lets receptionists invoice).' using errcode = 'CFORB';
  end if;
  -- a form left blank, told so whatever the invoice (tg_invoice__lifecycle refuses it from any writer)
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to void an invoice.' using errcode = 'CINVL';
  end if;
  -- after the void in flight, if any
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id for update;
  if v_invoice.id is null then
    -- a receptionist's lock reaches drafts only (update_draft_billing): one she sees is not a draft
    select * into v_invoice from app_public.invoice i
    where i.clinic_id = app_public.current_clinic_id() and i.id = void_invoice.invoice_id;
  end if;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;
  -- the same void again (a double click, a retry), with the same reason: the invoice as it was voided
  if v_invoice.status = 'void' and v_invoice.void_reason = app_hidden.text_or_null(reason) then
    return v_invoice;
  end if;
  -- with another reason, whoever asks (tg_invoice__lifecycle's refusal, before a receptionist's is taken for an issued one's)
  if v_invoice.status = 'void' then
    raise exception 'A void invoice cannot change.' using errcode = 'CTRAN';
  end if;
  -- a receptionist the clinic lets invoice discards drafts; what was issued is the cashier's record
  if v_invoice.status <> 'draft' and not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can void an invoice once it is issued; you may void a draft.' using errcode = 'CFORB';
  end if;
  -- stamped (voided_at, voided_by) by tg_invoice__lifecycle (000437)
  update app_public.invoice i set status = 'void', void_reason = app_hidden.text_or_null(reason)
  where i.clinic_id = v_invoice.clinic_id and i.id = v_invoice.id
  returning * into v_invoice;
  return v_invoice;
end;
$$;
revoke all on function app_public.void_invoice(invoice_id uuid, reason text) from public;
grant all on function app_public.void_invoice(invoice_id uuid, reason text) to :DATABASE_VISITOR;
comment on function app_public.void_invoice(invoice_id uuid, reason text) is 'Voids an invoice with a reason (its payments must have been refunded first); a void invoice keeps its number, so a draft made by mistake is voided, not deleted (numbers have no gaps). The same void again, with the same reason, answers the void invoice; with another reason it is INVALID_TRANSITION, whoever asks. Owners, admins and cashiers; receptionists the clinic lets invoice, drafts only.';

comment on column app_public.invoice.issued_by is 'Who issued it (null when it was issued outside a session: an operator''s psql, a script).';
comment on column app_public.invoice.voided_by is 'Who voided it (null when it was voided outside a session: an operator''s psql, a script).';
