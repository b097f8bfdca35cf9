--! Previous: sha1:d2cbc941bd62bfebd9f8460c344830b511dbd21f
--! Hash: sha1:1c968e4c97e7f2d484398b189daf289bed72259a
--! Message: text typed as meant on any keyboard

-- Text typed as meant, on any keyboard.
--
-- A name kept the control characters that are not white space: a bell, an escape (a patient named
-- ESC[31m coloured a terminal reading the CSV), a backspace (a clinic named "Clinic A" and eight of
-- them and "Clinic Z" read as Clinic Z, past the one-name-per-owner check), DEL and C1's; and a Hangul
-- filler or the blank Braille pattern made a name of nothing visible, or a duplicate the warning did
-- not see ("Amina" and a bell). They are out, the fillers white space. Names written before keep
-- theirs until they are next saved; the duplicate warning's index is rebuilt with the new keys.
--
-- A phone typed with full-width digits (an East Asian keyboard's: +２５５…) was not a phone number,
-- where Arabic-Indic and Persian digits were read: they are read, with the full-width plus, brackets,
-- hyphen, dot and slash.

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
  if regexp_replace(v_name, '[ \u200b-\u200f\u061c]', '', 'g') = '' then
    v_name := ''; -- nothing visible: a missing name
  end if;
  return case when current_setting('server_encoding') = 'UTF8' then normalize(v_name, nfc) else v_name end;
end;
$$;
comment on function app_hidden.name_as_meant(name text) is
  'A person''s name as it is meant: bidirectional controls, word joiners, byte order marks, soft hyphens and control characters out; white space of any kind (Hangul fillers and the blank Braille pattern too) one space, with no zero-width space or joiner next to it; no spaces, zero-width spaces or direction marks at the ends, nor a joiner at the start; nothing visible is an empty name; in Unicode''s composed form (NFC) on a UTF-8 server.';

create or replace function app_hidden.phone_text(raw text) returns text
  language sql immutable parallel safe
as $$
  -- digits of other scripts (Arabic-Indic, Persian) and full-width ones (the East Asian keyboards' own,
  -- with their plus, brackets and hyphen) as ASCII, spaces of any kind as spaces, and
  -- hyphens, dashes and minus signs as dashes: what is pasted from documents and other keyboards
  select regexp_replace(regexp_replace(translate(raw, '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９＋（）－．／',
                                                     '01234567890123456789' || '0123456789+()-./'),
    '[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]', ' ', 'g'), '[\u2010-\u2015\u2212]', '-', 'g');
$$;
comment on function app_hidden.phone_text(text) is 'A phone number as typed or pasted, in the characters normalize_phone and phone_search_term read: ASCII digits for Arabic-Indic, Persian and full-width ones (and ASCII for the full-width plus, brackets, hyphen, dot and slash), a space for a space of any kind (a no-break space), a dash for a hyphen, en or em dash or minus sign.';

reindex index app_private.patient_search_dob_names_idx;
