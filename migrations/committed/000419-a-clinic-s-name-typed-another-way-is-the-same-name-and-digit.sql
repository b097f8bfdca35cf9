--! Previous: sha1:3e34a6ecc7209959a9b8b09450ea8c9e83d93129
--! Hash: sha1:2bb60b73b4c179a442b958ca4730a5028dc065bf
--! Message: A clinic's name typed another way is the same name, and digits of any script are digits in phones and codes

-- A clinic's name is compared as a person's is: ΚΛΙΝΙΚΗ ΝΙΚΟΣ is Κλινική Νίκος, St Marys is St. Mary's
--
-- createClinicWithOwner refuses an owner a second clinic of the same name, and updateClinic a rename to the name of
-- another clinic of one of its owners (000045, 000399): they choose among their clinics by name at login. The names
-- were compared in lower case alone (clinic_name_key), so names a person reads as one were two clinics: Greek is
-- written in capitals without its accents, and its final sigma is Σ in capitals, which lower case makes σ where the
-- name in small letters ends in ς (ΚΛΙΝΙΚΗ ΝΙΚΟΣ beside Κλινική Νίκος), and José beside JOSE, St Marys beside
-- St. Mary's, Al Noor beside Al-Noor. A clinic's name is now compared as the duplicate warning compares a patient's
-- (app_hidden.name_key: as meant, then without case, accents, a final sigma's form, white space, hyphens, apostrophes and
-- dots). No index reads the key; clinics an owner already has under one key stay, and each is renamed freely.
create or replace function app_private.clinic_name_key(name text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select app_hidden.name_key(clinic_name_key.name);
$$;
revoke all on function app_private.clinic_name_key(text) from public;
comment on function app_private.clinic_name_key(text) is 'A clinic''s name as two names are compared (create_clinic_with_owner, tg_clinic__name_not_an_owners_other): as the duplicate warning compares a person''s name (app_hidden.name_key: as meant, name_as_meant, then without case, accents, Greek''s final sigma''s form, white space, hyphens, apostrophes and dots), so ΚΛΙΝΙΚΗ ΝΙΚΟΣ is Κλινική Νίκος, ST MARY''S CLINIQUE JOSÉ is St Marys Clinique Jose.';
comment on function app_private.tg_clinic__name_not_an_owners_other() is 'Trigger: refuses (CONFLICT) a clinic''s name changed to the name of another clinic one of its owners owns (accepted, active, not removed; compared by clinic_name_key, as create_clinic_with_owner compares), taking the owners'' phones'' locks (account_lock_key, in key order) first, as creation takes its owner''s; a change clinic_name_key does not see (of case, accents, white space, hyphens, apostrophes or dots alone) is not checked.';

-- A phone or a code typed in the digits of any script is read as typed in ASCII digits: Devanagari, Bengali, Thai…
--
-- Phones were read in ASCII, Arabic-Indic, Persian and full-width digits (phone_text), and the patient search's codes
-- in those too (000418), each with a list of its own. A Nepali or Hindi keyboard types ०-९ on its number row, a
-- Bengali one ০-৯, a Thai one ๐-๙ beside the ASCII ones: a member's phone typed so was INVALID_PHONE ("use digits") at
-- login and a patient's at registration, and a search of a phone or a code typed so found no one. One function,
-- ascii_digits, now reads every decimal digit Unicode has (its Nd characters, each script's 0 to 9 in a run) as its
-- ASCII digit, for phone_text (so normalize_phone, registration and login, and phone_search_term) and the search's codes.
create or replace function app_hidden.ascii_digits(text text) returns text
language sql immutable parallel safe as $$
  -- a text of ASCII alone is itself, without reading the list
  select case when ascii_digits.text ~ '[^[:ascii:]]' then translate(ascii_digits.text,
      '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹߀߁߂߃߄߅߆߇߈߉०१२३४५६७८९' -- Arabic-Indic, Extended Arabic-Indic, Nko, Devanagari
      || '০১২৩৪৫৬৭৮৯੦੧੨੩੪੫੬੭੮੯૦૧૨૩૪૫૬૭૮૯୦୧୨୩୪୫୬୭୮୯' -- Bengali, Gurmukhi, Gujarati, Oriya
      || '௦௧௨௩௪௫௬௭௮௯౦౧౨౩౪౫౬౭౮౯೦೧೨೩೪೫೬೭೮೯൦൧൨൩൪൫൬൭൮൯' -- Tamil, Telugu, Kannada, Malayalam
      || '෦෧෨෩෪෫෬෭෮෯๐๑๒๓๔๕๖๗๘๙໐໑໒໓໔໕໖໗໘໙༠༡༢༣༤༥༦༧༨༩' -- Sinhala Lith, Thai, Lao, Tibetan
      || '၀၁၂၃၄၅၆၇၈၉႐႑႒႓႔႕႖႗႘႙០១២៣៤៥៦៧៨៩᠐᠑᠒᠓᠔᠕᠖᠗᠘᠙' -- Myanmar, Myanmar Shan, Khmer, Mongolian
      || '᥆᥇᥈᥉᥊᥋᥌᥍᥎᥏᧐᧑᧒᧓᧔᧕᧖᧗᧘᧙᪀᪁᪂᪃᪄᪅᪆᪇᪈᪉᪐᪑᪒᪓᪔᪕᪖᪗᪘᪙' -- Limbu, New Tai Lue, Tai Tham Hora, Tai Tham Tham
      || '᭐᭑᭒᭓᭔᭕᭖᭗᭘᭙᮰᮱᮲᮳᮴᮵᮶᮷᮸᮹᱀᱁᱂᱃᱄᱅᱆᱇᱈᱉᱐᱑᱒᱓᱔᱕᱖᱗᱘᱙' -- Balinese, Sundanese, Lepcha, Ol Chiki
      || '꘠꘡꘢꘣꘤꘥꘦꘧꘨꘩꣐꣑꣒꣓꣔꣕꣖꣗꣘꣙꤀꤁꤂꤃꤄꤅꤆꤇꤈꤉꧐꧑꧒꧓꧔꧕꧖꧗꧘꧙' -- Vai, Saurashtra, Kayah Li, Javanese
      || '꧰꧱꧲꧳꧴꧵꧶꧷꧸꧹꩐꩑꩒꩓꩔꩕꩖꩗꩘꩙꯰꯱꯲꯳꯴꯵꯶꯷꯸꯹０１２３４５６７８９' -- Myanmar Tai Laing, Cham, Meetei Mayek, Fullwidth
      || '𐒠𐒡𐒢𐒣𐒤𐒥𐒦𐒧𐒨𐒩𐴰𐴱𐴲𐴳𐴴𐴵𐴶𐴷𐴸𐴹𑁦𑁧𑁨𑁩𑁪𑁫𑁬𑁭𑁮𑁯𑃰𑃱𑃲𑃳𑃴𑃵𑃶𑃷𑃸𑃹' -- Osmanya, Hanifi Rohingya, Brahmi, Sora Sompeng
      || '𑄶𑄷𑄸𑄹𑄺𑄻𑄼𑄽𑄾𑄿𑇐𑇑𑇒𑇓𑇔𑇕𑇖𑇗𑇘𑇙𑋰𑋱𑋲𑋳𑋴𑋵𑋶𑋷𑋸𑋹𑑐𑑑𑑒𑑓𑑔𑑕𑑖𑑗𑑘𑑙' -- Chakma, Sharada, Khudawadi, Newa
      || '𑓐𑓑𑓒𑓓𑓔𑓕𑓖𑓗𑓘𑓙𑙐𑙑𑙒𑙓𑙔𑙕𑙖𑙗𑙘𑙙𑛀𑛁𑛂𑛃𑛄𑛅𑛆𑛇𑛈𑛉𑜰𑜱𑜲𑜳𑜴𑜵𑜶𑜷𑜸𑜹' -- Tirhuta, Modi, Takri, Ahom
      || '𑣠𑣡𑣢𑣣𑣤𑣥𑣦𑣧𑣨𑣩𑥐𑥑𑥒𑥓𑥔𑥕𑥖𑥗𑥘𑥙𑱐𑱑𑱒𑱓𑱔𑱕𑱖𑱗𑱘𑱙𑵐𑵑𑵒𑵓𑵔𑵕𑵖𑵗𑵘𑵙' -- Warang Citi, Dives Akuru, Bhaiksuki, Masaram Gondi
      || '𑶠𑶡𑶢𑶣𑶤𑶥𑶦𑶧𑶨𑶩𖩠𖩡𖩢𖩣𖩤𖩥𖩦𖩧𖩨𖩩𖫀𖫁𖫂𖫃𖫄𖫅𖫆𖫇𖫈𖫉𖭐𖭑𖭒𖭓𖭔𖭕𖭖𖭗𖭘𖭙' -- Gunjala Gondi, Mro, Tangsa, Pahawh Hmong
      || '𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡𝟢𝟣𝟤𝟥𝟦𝟧𝟨𝟩𝟪𝟫𝟬𝟭𝟮𝟯𝟰𝟱𝟲𝟳𝟴𝟵' -- Mathematical Bold, Mathematical Double-Struck, Mathematical Sans-Serif, Mathematical Sans-Serif Bold
      || '𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿𞅀𞅁𞅂𞅃𞅄𞅅𞅆𞅇𞅈𞅉𞋰𞋱𞋲𞋳𞋴𞋵𞋶𞋷𞋸𞋹𞥐𞥑𞥒𞥓𞥔𞥕𞥖𞥗𞥘𞥙' -- Mathematical Monospace, Nyiakeng Puachue Hmong, Wancho, Adlam
      || '🯰🯱🯲🯳🯴🯵🯶🯷🯸🯹' -- Segmented
    , repeat('0123456789', 65)) else ascii_digits.text end;
$$;
revoke all on function app_hidden.ascii_digits(text) from public;
grant all on function app_hidden.ascii_digits(text) to :DATABASE_VISITOR;
comment on function app_hidden.ascii_digits(text) is 'Text with every decimal digit of another script as its ASCII digit: Unicode''s decimal digits (general category Nd, Unicode 14: each script''s 0 to 9), Arabic-Indic ٠-٩, Persian ۰-۹, Devanagari ०-९ (Hindi, Marathi, Nepali), Bengali ০-৯, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala, Thai ๐-๙, Lao, Tibetan, Myanmar, Khmer, Mongolian, NKo, Adlam and the others, and the full-width ０-９ of East Asian keyboards; the rest as it is. For phone_text (the phones) and patients_matching (the search''s codes and their numbers).';

create or replace function app_hidden.phone_text(raw text) returns text
language sql immutable parallel safe as $$
  -- digits of any script (ascii_digits: Arabic-Indic, Persian, Devanagari, Bengali, Thai…, and the full-width ones of
  -- the East Asian keyboards, with their plus, brackets and hyphen) as ASCII, spaces of any kind as spaces, and
  -- hyphens, dashes and minus signs as dashes: what is pasted from documents and other keyboards
  select regexp_replace(regexp_replace(translate(app_hidden.ascii_digits(raw), '＋（）－．／', '+()-./'),
    '[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]', ' ', 'g'), '[\u2010-\u2015\u2212]', '-', 'g');
$$;
revoke all on function app_hidden.phone_text(text) from public;
grant all on function app_hidden.phone_text(text) to :DATABASE_VISITOR;
comment on function app_hidden.phone_text(raw text) is 'A phone number as typed or pasted, in the characters normalize_phone and phone_search_term read: ASCII digits for the digits of any script (ascii_digits: Arabic-Indic, Persian, Devanagari, Bengali, Thai…, and full-width ones, with ASCII for the full-width plus, brackets, hyphen, dot and slash), a space for a space of any kind (a no-break space), a dash for a hyphen, en or em dash or minus sign.';

create or replace function app_hidden.patients_matching(query text)
  returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
  language plpgsql stable security definer rows 50
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $_$
begin
  -- its raw length first: what follows normalises and splits the whole query, at a cost that grows with it
  if char_length(query) > 1000 then
    raise exception 'A patient search is at most 1000 characters: search by a name, a code or a phone number.' using errcode = 'CINVL';
  end if;
  declare
    v_clinic_id uuid := app_public.current_clinic_id();
    -- in Unicode's compatibility form (NFKC, on a UTF-8 server), as search_key reads it: a code typed with a Japanese or
    -- Chinese input method (ＰＡＴ－１２, ｐａｔ０００００１) is the code typed in ASCII; and with ASCII digits for the
    -- digits of every other script, which NFKC keeps, as phone_text reads a phone's (ascii_digits): the ١٢ or ۱۲ of an
    -- Arabic or a Persian keyboard, the १२ of a Nepali or Hindi one and the ১২ of a Bengali one are 12
    v_trimmed text := btrim(app_hidden.ascii_digits(case when current_setting('server_encoding') = 'UTF8' then normalize(query, nfkc) else query end));
    -- a code typed without its hyphen is the code
    v_typed text := case when v_trimmed ~ '^[[:alnum:]]{1,8}[0-9]{6}$' and v_trimmed !~ '^[0-9]+$'
      then regexp_replace(v_trimmed, '([0-9]{6})$', '-\1') else v_trimmed end;
    v_key text := app_hidden.search_key(v_typed);
    v_words text[] := array(select distinct w from regexp_split_to_table(v_key, '[[:space:]\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000,]+') w where w <> '');
    -- what a patient's text must contain, all of it: each word on its own when one has 3 characters
    -- (the trigram index then finds them), else the query as typed, of 2 characters at least
    v_patterns text[] := case
      when exists (select from unnest(v_words) w where char_length(w) >= 3)
        then array(select app_hidden.contains_pattern(w) from unnest(v_words) w)
      when char_length(v_key) >= 2 then array[app_hidden.contains_pattern(v_key)]
      else '{}' end;
    -- each of those words without its hyphens, apostrophes and dots (o'brien: obrien), which a name without them in the
    -- patient's text matches instead: null where that is the word (or nothing); the query's short words as typed
    v_unpunctuated text[] := case
      when exists (select from unnest(v_words) w where char_length(w) >= 3)
        then array(select app_hidden.contains_pattern(nullif(nullif(app_hidden.name_unpunctuated(w), w), '')) from unnest(v_words) w)
      else '{}' end;
    -- digits alone (12, 000012): a code's number (PAT-000012), whatever its prefix, without its leading zeros; or null
    v_number text := case when v_trimmed ~ '^[0-9]+$' then ltrim(v_trimmed, '0') end;
    -- a code typed short (pat-12, PAT 12, pat12: a prefix of 1 to 8 letters or digits, then 1 to 6 digits): its prefix
    -- and its digits, or null; digits alone are a code's number, not a short code of a prefix of digits
    v_short text[] := case when v_number is null then regexp_match(v_trimmed, '^([[:alnum:]]{1,8}?)[-[:space:]]*([0-9]{1,6})$') end;
    -- the clinic's patient prefix, read only for a query that may be a code
    -- a code past 999999 typed without its hyphen or short of it (PAT1000000, pat 1000000): each way of reading it as a
    -- prefix of 1 to 8 letters or digits, then 7 digits or more, the first not a 0 (P21000000: P2-1000000 and
    -- P-21000000), or null; beside v_short, which reads its last 6 digits alone (PAT1-000000)
    v_long text[] := case when v_number is null and v_trimmed ~ '[1-9][0-9]{6,17}$' then array(
      select left(v_trimmed, i) || ' ' || m[1] from generate_series(1, 8) i, regexp_match(substr(v_trimmed, i + 1), '^[-[:space:]]*([1-9][0-9]{6,17})$') m
      where m is not null and left(v_trimmed, i) ~ '^[[:alnum:]]+$') end;
    v_prefix text := case when v_short is not null or cardinality(v_long) > 0 then
      (select coalesce(k.code_prefixes ->> 'PAT', 'PAT') from app_public.clinic k where k.id = v_clinic_id) end;
    -- the codes it may be, as codes are written (PAT-000012): with the clinic's patient prefix as the clinic writes it
    -- (pt-000012) when that is the prefix typed, in any case; with the prefix typed, as typed, in upper and in lower
    -- case, when it has a letter in it (a prefix the clinic had before: its patients keep their codes)
    v_codes text[] := array(
      select distinct prefix || '-' || lpad(s.digits, greatest(6, char_length(s.digits)), '0')
      from (select v_short[1], v_short[2] where v_short is not null
            union all select split_part(l, ' ', 1), split_part(l, ' ', 2) from unnest(v_long) l) s (typed, digits),
      unnest(case when lower(s.typed) = lower(v_prefix) then array[v_prefix] end
             || case when s.typed ~ '[[:alpha:]]' then array[s.typed, upper(s.typed), lower(s.typed)] end) prefix);
    v_coded uuid[] := '{}';
    v_id uuid;
    -- null for names and codes: the planner then drops that condition
    v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
  begin
    if char_length(v_typed) between 2 and 100 and (cardinality(v_patterns) > 0 or v_phone_pattern is not null) then
      -- the patients of the code typed short, by the code's own index, or of the number typed alone, by the index of the
      -- codes' numbers, apart from the words' search (an arm of it made a plan read the whole table where the words alone
      -- read the trigram index)
      if cardinality(v_codes) > 0 then
        v_coded := array(select p.id from app_public.patient p where p.clinic_id = v_clinic_id and p.code = any (v_codes));
      elsif v_number <> '' then
        v_coded := array(select s.patient_id from app_private.patient_search s
                         where s.clinic_id = v_clinic_id and app_hidden.code_number(s.code) = v_number and not s.deleted);
      end if;
      foreach v_id in array v_coded loop
        -- a live one: the code's arm reads the patients through their policy, which shows deleted ones inside this
        -- function to a session that turned clinicops.include_deleted on for itself (it runs as the owner role)
        return query select coded.patient_id, true, coded.last_name, coded.first_name from app_private.patient_search coded
          where coded.clinic_id = v_clinic_id and coded.patient_id = v_id and not coded.deleted;
      end loop;
      -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
      -- whatever the size of the others (000034); one condition per pattern, named by its place in $2 (or its
      -- word without its punctuation, in $5); the patients of the code typed short or of the number ($6) listed once, above
      return query execute format(
        'select s.patient_id, lower(s.code) = lower($4), s.last_name, s.first_name from app_private.patient_search s
         where s.clinic_id = $1 and not s.deleted and ((%s) or s.search_text like $3) %s',
        coalesce((select string_agg(case when v_unpunctuated[i] is null then format('s.search_text like $2[%s]', i)
                                         else format('(s.search_text like $2[%1$s] or s.search_text like $5[%1$s])', i) end, ' and ')
                  from generate_subscripts(v_patterns, 1) i), 'false'),
        -- only when a code found a patient: the statement of any other search is the one before 000285
        case when cardinality(v_coded) > 0 then 'and s.patient_id <> all ($6)' else '' end)
        using v_clinic_id, v_patterns, v_phone_pattern, v_typed, v_unpunctuated, v_coded;
    end if;
  end;
end;
$_$;
comment on function app_hidden.patients_matching(query text) is 'The current clinic''s patients whose names, code and phone contain every word of `query`, in any order, when one of its words has 3 characters or more (words split at white space and commas; a word with hyphens, apostrophes or dots in it also without them, name_unpunctuated, as each name also is in the search''s text: obrien finds O''Brien, o.brien OBrien), else `query` as typed (2 characters at least); or whose phone contains it as people type phones, national or international (phone_search_term). A code typed in full-width forms (ＰＡＴ－１２, by a Japanese or Chinese input method) is read as typed in ASCII (NFKC, on a UTF-8 server), and its digits of any other script (ascii_digits: PAT-١٢ and ۱۲ as Arabic and Persian keyboards type them, PAT-१२ as Nepali and Hindi ones do, ১২ as Bengali ones do) as ASCII digits, as a phone''s are; a code typed without its hyphen (PAT000002: a prefix of 1 to 8 letters or digits, then 6 digits) is that code, and so is one typed without its leading zeros (pat-12, PAT 12, pat12: the clinic''s patient prefix in any case, or a prefix with a letter in it as typed, in upper or in lower case, such as one the clinic had before, then 1 to 6 digits, is PAT-000012; a code past 999999 typed so, PAT1000000 or pat 1000000, is PAT-1000000, and P21000000 both P2-1000000 and P-21000000), its patient found by the code''s own index apart from the words'' search. Digits alone (12, 000012, 0000012) are a code''s number: the patients whose code has that number, whatever its prefix (PAT-000012, or 2026-000012 under a prefix of digits), without their leading zeros (code_number), found by the index of the codes'' numbers apart from the words'' search, come first like an exact code; digits are never a short code of a prefix of digits (typed with its hyphen: 1-12). `query` is 2 to 100 characters (once trimmed and in NFKC; one of more than 1000 characters as typed is refused, INVALID_INPUT, before any of it is read); any case, accents aside (search_key); live patients only, for every role, whatever settings the session turned on (patient_search.deleted, for the code typed short too): search_patients lists no deleted patient to anyone, and their ids and names are not the API role''s to read. With what search_patients orders them by: whether the code is `query` (or the code typed short, or has the number typed alone) exactly, in any case (true or false, never null), then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';
revoke all on function app_hidden.patients_matching(text) from public;
grant all on function app_hidden.patients_matching(text) to :DATABASE_VISITOR;
