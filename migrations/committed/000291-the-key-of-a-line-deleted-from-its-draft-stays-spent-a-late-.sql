--! Previous: sha1:a33f4a4cd147016b1810f5647c2642dfdbfbfc02
--! Hash: sha1:481afe088fa44857eb451af60c291cc48cc780a2
--! Message: The key of a line deleted from its draft stays spent: a late retry does not add the line again

-- The key of a line deleted from its draft stays spent: a late retry does not add the line again
--
-- A draft's lines are deleted for good, and their idempotency key went with them: a line added under key k2, seen and
-- deleted by the receptionist, was billed again when the browser's retry of that "add line" (a dropped connection's
-- POST sent again) arrived afterwards, and the patient was charged for a line the desk had taken off. Now the key of a
-- deleted line is kept, with its invoice, in app_private.deleted_invoice_line_key (by a trigger on the line's delete),
-- and createInvoiceLine under it is CONFLICT "The invoice line added with this idempotency key was deleted since: add
-- it again with a new key if it is still meant." (told only to whoever sees the invoice; others are refused as
-- before), nothing added; a key is the name of one line, once: to add the line again is a new request with a new key.
create table if not exists app_private.deleted_invoice_line_key (
  clinic_id uuid not null,
  idempotency_key text not null,
  invoice_id uuid not null,
  deleted_at timestamptz not null default now(),
  primary key (clinic_id, idempotency_key)
);
comment on table app_private.deleted_invoice_line_key is 'The idempotency key of each invoice line deleted (from its draft), kept by a trigger on invoice lines: create_invoice_line refuses it (CONFLICT) instead of adding the line again.';
comment on column app_private.deleted_invoice_line_key.clinic_id is 'The clinic.';
comment on column app_private.deleted_invoice_line_key.idempotency_key is 'The key the deleted line was added with, as invoice_line.idempotency_key.';
comment on column app_private.deleted_invoice_line_key.invoice_id is 'The invoice the line was deleted from: the key is told deleted only to whoever sees it.';
comment on column app_private.deleted_invoice_line_key.deleted_at is 'When the line was deleted.';
alter table app_private.deleted_invoice_line_key enable row level security;
alter table app_private.deleted_invoice_line_key force row level security;
drop policy if exists owner_only on app_private.deleted_invoice_line_key;
create policy owner_only on app_private.deleted_invoice_line_key to :DATABASE_OWNER using (true);
comment on policy owner_only on app_private.deleted_invoice_line_key is 'Read and kept by definer functions only.';
create or replace function app_private.tg_invoice_line__key_kept() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
begin
  insert into app_private.deleted_invoice_line_key (clinic_id, idempotency_key, invoice_id)
  values (old.clinic_id, old.idempotency_key, old.invoice_id)
  on conflict (clinic_id, idempotency_key) do nothing;
  return null;
end;
$$;
comment on function app_private.tg_invoice_line__key_kept() is 'Trigger: keeps the idempotency key of a deleted invoice line in app_private.deleted_invoice_line_key, so that a late retry of the line is refused, not billed again.';
revoke all on function app_private.tg_invoice_line__key_kept() from public;
drop trigger if exists _670_key_kept on app_public.invoice_line;
create trigger _670_key_kept after delete on app_public.invoice_line
  for each row when (old.idempotency_key is not null) execute function app_private.tg_invoice_line__key_kept();
comment on trigger _670_key_kept on app_public.invoice_line is 'The key of a deleted line stays spent (tg_invoice_line__key_kept).';
comment on column app_public.invoice_line.idempotency_key is
  'A key chosen by the client per line it means to add: the same key again returns the same line; the key of a line deleted since stays spent (CONFLICT).';
