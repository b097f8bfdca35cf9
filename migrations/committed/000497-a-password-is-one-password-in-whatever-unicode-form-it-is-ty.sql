--! Previous: sha1:2997e4d3170cc8eec9a38b9d6d1475a26b450c7a
--! Hash: sha1:4d04909650498f9abd09daa7c428e6583bd27767
--! Message: A password is one password in whatever Unicode form it is typed

-- Enter migration here
-- A password is the same password in whatever Unicode form it is typed
--
-- A password was checked as the bytes typed: `Zoë` typed with a composed ë (U+00EB, what a Windows keyboard sends) and
-- with an e and a combining diaeresis (U+0065 U+0308, what some phone keyboards, Vietnamese input methods or text copied
-- from a macOS file name send) were two passwords, as were `１２３` typed in full width (a Japanese or Chinese input
-- method left on) and `123`. A member given a password with an accented letter at a desk's computer was refused it at
-- a phone, `INVALID_CREDENTIALS`, each try counted toward the account's lock. A password is now read in Unicode's
-- compatibility composed form (NFKC, as NIST SP 800-63B asks of a password with characters beyond ASCII, and as the
-- patient search reads names since 000297) before its SHA-256 is taken (`password_as_meant`, on a UTF-8 server), when
-- it is given and when it is checked. A hash made before of a password typed in another form still takes it as typed:
-- its form as typed is checked too, whenever it differs from its NFKC form, for an unknown phone as for an account, so
-- that the time a check takes says nothing of the phone, nor of whether a locked account's password was right.
create or replace function app_private.password_as_meant(password text) returns text
  language sql immutable strict parallel safe
  set search_path to pg_catalog, public, pg_temp
  return case when current_setting('server_encoding') = 'UTF8' then normalize(password, nfkc) else password end;
revoke all on function app_private.password_as_meant(text) from public;
comment on function app_private.password_as_meant(text) is 'A password in Unicode''s compatibility composed form (NFKC) on a UTF-8 server, as it is hashed (password_hash_of) and checked (password_matches): a composed ë and an e with a combining diaeresis, or digits typed in full width and in ASCII, are one password.';

create or replace function app_private.password_hash_of(password text) returns text
  language sql strict
  set search_path to pg_catalog, public, pg_temp
  return 'sha256$' || public.crypt(app_private.password_key(app_private.password_as_meant(password)), public.gen_salt('bf', 10));
comment on function app_private.password_hash_of(text) is 'The hash kept of a password: sha256$ and the bcrypt (cost 10) of the password_key of its password_as_meant (its NFKC form). No rule checked: hash_password checks it first.';

create or replace function app_private.password_matches(password text, hash text) returns boolean
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
  as $$
declare
  v_meant text := app_private.password_as_meant(coalesce(password, ''));
  -- typed in another form than its NFKC one: a hash made before passwords were read so may be of that form, checked too, for an unknown
  -- phone as for an account (every check of such a password costs two bcrypts, whatever it finds)
  v_other boolean := coalesce(password, '') <> v_meant;
  v_ok boolean := false;
  v_typed_ok boolean := false;
begin
  if hash is null then
    perform crypt(app_private.password_key(v_meant), gen_salt('bf', 10)); -- as long as a check
    if v_other then
      perform crypt(app_private.password_key(coalesce(password, '')), gen_salt('bf', 10));
    end if;
    return false;
  elsif hash like 'sha256$%' then
    v_ok := crypt(app_private.password_key(v_meant), substr(hash, 8)) = substr(hash, 8);
    if v_other then
      v_typed_ok := crypt(app_private.password_key(password), substr(hash, 8)) = substr(hash, 8);
    end if;
    return v_ok or v_typed_ok;
  end if;
  -- made before 000154: the password's first 72 bytes
  v_ok := crypt(v_meant, hash) = hash;
  if v_other then
    v_typed_ok := crypt(password, hash) = hash;
  end if;
  return v_ok or v_typed_ok;
end;
$$;
comment on function app_private.password_matches(text, text) is 'Whether a password is the one a hash was made of (password_hash_of, or a bcrypt of the password itself made before 000154), read in its NFKC form (password_as_meant), and, when it was typed in another form, as typed too (a hash made before passwords were read in NFKC, of a password typed so), both checked whatever the first finds; with no hash (an unknown phone) false, after as long as a check takes.';
