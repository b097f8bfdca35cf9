--! Previous: sha1:59167f97eb78f2d3254430eedfc84d7ea493a9f2
--! Hash: sha1:1572ce6cbd7526ae9adf43b1faa601b1136762a8
--! Message: a clinic s contact saved as meant

-- A clinic's email, address and invoice footer are saved as meant: blank is none, an email without the
-- spaces around it, and no bidirectional override in the text printed on every invoice.
--
-- A settings form that sent an emptied email as "" (or a pasted " info@clinic.co.tz ") was refused
-- "This is not an email address", where an emptied phone clears it; a blank address or footer was kept
-- as typed, and printed as such. And the footer kept a right-to-left override (U+202E), which printed the
-- rest of its block reversed on every invoice, where names are cleaned of such controls (000083) (a
-- tester of the settings, over HTTP). The controls that reorder text (embeddings, overrides, isolates)
-- go from the address and the footer; their line breaks stay.

create or replace function app_private.tg_clinic__contact_as_meant() returns trigger
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  new.email := app_hidden.text_or_null(new.email);
  new.address := app_hidden.text_or_null(regexp_replace(new.address, '[\u202a-\u202e\u2066-\u2069]', '', 'g'));
  new.invoice_footer := app_hidden.text_or_null(regexp_replace(new.invoice_footer, '[\u202a-\u202e\u2066-\u2069]', '', 'g'));
  return new;
end;
$$;
comment on function app_private.tg_clinic__contact_as_meant() is 'Trigger: a clinic''s email, address and invoice footer as meant: without the white space around them, null when blank; the address and footer without the controls that reorder text (U+202A–U+202E, U+2066–U+2069), their line breaks kept.';
revoke all on function app_private.tg_clinic__contact_as_meant() from public;
drop trigger if exists _150_contact_as_meant on app_public.clinic;
create trigger _150_contact_as_meant before insert or update of email, address, invoice_footer on app_public.clinic
  for each row execute function app_private.tg_clinic__contact_as_meant();
comment on trigger _150_contact_as_meant on app_public.clinic is 'A clinic''s email, address and footer as meant (tg_clinic__contact_as_meant).';
