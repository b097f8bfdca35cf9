--! Previous: sha1:7b868137e7acbd0ca38db7f367494203b1a1bc59
--! Hash: sha1:708108be5eb5d8e01f5da84b2c7b035b400b6ff9
--! Message: Nothing visible is one rule: every character Unicode marks as printing nothing, wherever a name is read

-- Nothing visible is one rule: every character Unicode marks as printing nothing, wherever a name is read
--
-- app_hidden.name_as_meant decided "nothing visible" from its own short list (spaces, zero-width spaces and joiners,
-- direction marks, and what it takes out: word joiners, soft hyphens, fillers, controls), while 000413 gave invoice
-- lines a list of their own, every character Unicode marks as printing nothing (Default_Ignorable_Code_Point). So a
-- name of the others alone (the invisible function application, times, separator and plus U+2061-U+2064, the combining
-- grapheme joiner U+034F, a variation selector, the Mongolian vowel separator and free variation selectors, the Khmer
-- inherent vowels, the musical symbol formatting characters, the tags, U+FFF0-U+FFF8) was taken as something: a
-- patient's first or last name, a person's full name (inviteMember, updateUser, createClinicWithOwner), a service's
-- name or category, a clinic's name, a visit's reason or cancel reason, a refund's, void's or reopened day's reason, an
-- idempotency key, a password. name_as_meant's blank test now reads the list 000413 wrote, so every one of its callers
-- (check_person_name, check_password, check_idempotency_key, reason_or_null, the names' triggers, clinic_name_key,
-- name_key) has the one rule; nothing else of a name changes (an emoji's variation selector, a joiner inside a name,
-- stay as typed). The rows saved before with such a name are kept until that column is written again with another value:
-- the triggers remake a name only when it changes.
create or replace function app_hidden.name_as_meant(name text) returns text
    language plpgsql immutable parallel safe
    as $$
declare
  -- out wherever they are: bidirectional controls, word joiners, byte order marks, soft hyphens, and
  -- the control characters that are not white space (a bell, an escape, a backspace, C1's but NEL)
  v_name text := regexp_replace(name, '[\u202a-\u202e\u2066-\u2069\u2060\ufeff\u00ad\u0001-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]', '', 'g');
begin
  -- white space of any kind: one space
  -- (a next-line control, NEL, Hangul fillers and the blank Braille pattern among them)
  v_name := regexp_replace(v_name, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0085\u115f\u1160\u3164\uffa0\u2800]+', ' ', 'g');
  -- zero-width spaces and joiners next to a space: out
  v_name := regexp_replace(v_name, ' [\u200b-\u200d]+|[\u200b-\u200d]+ ', ' ', 'g');
  v_name := regexp_replace(v_name, ' {2,}', ' ', 'g');
  -- the ends: spaces, zero-width spaces and direction marks; joiners at the start only
  v_name := regexp_replace(v_name, '^[ \u200b-\u200f\u061c]+|[ \u200b\u200e\u200f\u061c]+$', '', 'g');
  -- nothing visible, a missing name: nothing left once the spaces and every character Unicode marks as printing
  -- nothing (Default_Ignorable_Code_Point) are out
  if regexp_replace(v_name,
       '[ \u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]',
       '', 'g') = '' then
    v_name := '';
  end if;
  return case when current_setting('server_encoding') = 'UTF8' then normalize(v_name, nfc) else v_name end;
end;
$$;
revoke all on function app_hidden.name_as_meant(name text) from public;
grant all on function app_hidden.name_as_meant(name text) to :DATABASE_VISITOR;
comment on function app_hidden.name_as_meant(name text) is
  'A person''s name as it is meant: bidirectional controls, word joiners, byte order marks, soft hyphens and control characters out; white space of any kind (Hangul fillers and the blank Braille pattern too) one space, with no zero-width space or joiner next to it; no spaces, zero-width spaces or direction marks at the ends, nor a joiner at the start; nothing visible is an empty name: nothing left once the spaces and every character Unicode marks as printing nothing (Default_Ignorable_Code_Point: zero-width characters, joiners, fillers, invisible operators, variation selectors, tags) are out, the one rule of "nothing visible" (000413''s list, the invoice line''s too); in Unicode''s composed form (NFC) on a UTF-8 server.';
comment on function app_hidden.reason_or_null(reason text) is
  'A reason as it is kept: without the white space around it (text_or_null); null when nothing in it is visible, as name_as_meant reads text (white space, and every character Unicode marks as printing nothing: joiners, fillers, variation selectors, invisible operators, tags; control characters).';
comment on function app_private.check_password(password text) is
  'The password rule, for every password an account is given: none is INVALID_INPUT; one with nothing visible (white space of any kind, control characters or characters Unicode marks as printing nothing alone, such as zero-width spaces, joiners or variation selectors: app_hidden.name_as_meant''s blank), fewer than 8 or more than 128 characters WEAK_PASSWORD. invite_member checks it before the phone is looked up; hash_password before an account is made (find_or_create_user) or its password reset (create_platform_admin, reset_password, reset_member_password); change_password before the current password is checked.';

-- The duplicate warning's index of names rebuilt where a key changed
--
-- name_key reads a name through name_as_meant, and patient_search_dob_names_idx keeps name_key of every patient's
-- names: a patient saved with a name of those characters alone now has the empty key, the index the one of before. It is
-- rebuilt when there is such a patient (a name with nothing visible now, which no trigger saves), as 000156 and 000303
-- rebuilt it when the key changed.
do $$
begin
  if exists (select from app_private.patient_search s
             where app_hidden.name_as_meant(s.first_name) = '' or app_hidden.name_as_meant(s.last_name) = '') then
    reindex index app_private.patient_search_dob_names_idx;
  end if;
end;
$$;

-- A clinic's name remade only when it changes
--
-- Every other name (a patient's, a person's, a service's) is remade as meant when it changes only, so that one saved
-- under an earlier rule stays as it is while the row is written otherwise; the clinic's was remade whenever an update
-- named the column, its value the same: a settings form sending the clinic's name it was given back with a new time
-- zone would have its clinic of a name now of nothing visible refused (clinic_name_check). It is remade when inserted
-- or changed, as the others are.
create or replace function app_private.tg_clinic__trim_name() returns trigger
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  -- as written now: a name saved under an earlier rule stays as it is while it is not changed
  if tg_op = 'INSERT' or new.name is distinct from old.name then
    new.name := app_hidden.name_as_meant(new.name);
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_clinic__trim_name() from public;
comment on function app_private.tg_clinic__trim_name() is
  'Trigger: a clinic''s name is saved as meant (app_hidden.name_as_meant) when inserted or changed: white space of any kind one space, none at either end, invisible controls out, nothing visible no name (clinic_name_check); one saved under an earlier rule stays as it is while it is not changed.';

-- An invoice line's description reads "nothing visible" as every name does
--
-- 000413 gave the line's trigger its own list of the characters that print nothing; name_as_meant now reads that list
-- itself, and the trigger asks it: the same descriptions are refused, with the same error, on the lines written only.
create or replace function app_private.tg_invoice_line__description_says_something()
 returns trigger
 language plpgsql
as $function$
begin
  -- a description left out is the not-null constraint's to tell ("A required value is missing: description.")
  if new.description is not null and (
       coalesce(char_length(app_hidden.text_or_null(new.description)), 0) not between 1 and 300
       -- nothing visible: nothing left once name_as_meant has read it (spaces and every character Unicode marks as
       -- printing nothing out: its blank)
       or ((app_hidden.name_as_meant(new.description) = ''
            or char_length(new.description) > 300)
           -- its service's name as the catalog keeps it (one saved before 000130 kept the white space around it), which
           -- a visit's line bills whatever became of it: the catalog's, held to the rule it was saved under
           and not exists (select from app_public.service s
                           where s.clinic_id = new.clinic_id and s.id = new.service_id and s.name = new.description))) then
    raise exception 'new row for relation "invoice_line" violates check constraint "invoice_line_description_check"'
      using errcode = 'check_violation', constraint = 'invoice_line_description_check', schema = 'app_public', table = 'invoice_line';
  end if;
  return new;
end;
$function$;
revoke all on function app_private.tg_invoice_line__description_says_something() from public;
comment on function app_private.tg_invoice_line__description_says_something() is
  'BEFORE INSERT or UPDATE OF description: a line''s description says something (app_hidden.name_as_meant does not read it as nothing visible: not white space, zero-width or other characters Unicode marks as printing nothing alone, 000413) in at most 300 characters as kept (its service''s name as the catalog keeps it, one saved before 000130 with white space around it, 1 to 300 characters once that is taken off, the rule of before), else 23514 under the name invoice_line_description_check (the check it replaces, by which the API finds its message); on the lines written only, so that the cascades rewriting a void invoice''s line saved before the rule (000370) are not refused.';
